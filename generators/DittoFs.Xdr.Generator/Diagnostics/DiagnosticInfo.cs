using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DittoFs.Xdr.Generator.Diagnostics;

/// <summary>
/// A diagnostic as plain data (no Roslyn Location), so it can live in the cached pipeline model;
/// turned into a <see cref="Diagnostic"/> only when reported.
/// </summary>
internal sealed record DiagnosticInfo(string Id, string Message, string Path, int Offset, int Line, int Column, int Length)
{
    public Diagnostic ToDiagnostic()
    {
        var start = new LinePosition(Line - 1, Column - 1);
        var end = new LinePosition(Line - 1, Column - 1 + Length);
        var location = Location.Create(Path, new TextSpan(Offset, Length), new LinePositionSpan(start, end));
        return Diagnostic.Create(XdrDiagnostics.Descriptor(Id), location, Message);
    }
}

internal static class XdrDiagnostics
{
    public const string Syntax = "XDR001";
    public const string Unknown = "XDR002";
    public const string Duplicate = "XDR003";
    public const string BadDiscriminant = "XDR004";
    public const string BadSize = "XDR005";
    public const string Unsupported = "XDR006";

    private static readonly DiagnosticDescriptor SyntaxRule = Rule(Syntax, "XdrSyntax", "Syntax error in XDR file");
    private static readonly DiagnosticDescriptor UnknownRule = Rule(Unknown, "XdrSemantics", "Unknown XDR type or constant");
    private static readonly DiagnosticDescriptor DuplicateRule = Rule(Duplicate, "XdrSemantics", "Duplicate XDR name");
    private static readonly DiagnosticDescriptor BadDiscriminantRule = Rule(BadDiscriminant, "XdrSemantics", "Bad union discriminant or case");
    private static readonly DiagnosticDescriptor BadSizeRule = Rule(BadSize, "XdrSemantics", "Missing or invalid size");
    private static readonly DiagnosticDescriptor UnsupportedRule = Rule(Unsupported, "XdrSemantics", "Unsupported XDR construct");

    public static DiagnosticDescriptor Descriptor(string id) => id switch
    {
        Syntax => SyntaxRule,
        Unknown => UnknownRule,
        Duplicate => DuplicateRule,
        BadDiscriminant => BadDiscriminantRule,
        BadSize => BadSizeRule,
        _ => UnsupportedRule,
    };

    private static DiagnosticDescriptor Rule(string id, string category, string title) =>
        new(id, title, "{0}", category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
