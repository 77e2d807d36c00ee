using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using DittoFs.Xdr.Generator.Diagnostics;
using Sprache;

namespace DittoFs.Xdr.Generator.Parsing;

/// <summary>
/// The XDR language grammar (RFC 4506 §6.3) plus RPC program definitions (RFC 5531 §12), in Sprache.
/// Comments (<c>/* */</c>, <c>//</c>) and <c>%</c> pass-through lines are trivia.
/// </summary>
internal static class XdrParser
{
    public static XdrFileSyntax ParseFile(string path, string text)
    {
        var definitions = new List<DefinitionSyntax>();
        IInput input = new Input(text);
        while (true)
        {
            input = SkipTrivia(input);
            if (input.AtEnd)
                return new XdrFileSyntax(path, definitions.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
            var result = Definition(input);
            if (!result.WasSuccessful)
            {
                var at = result.Remainder;
                string message = $"Syntax error: {Describe(result)}";
                var error = new DiagnosticInfo(XdrDiagnostics.Syntax, message, path, at.Position, at.Line, at.Column, at.AtEnd ? 0 : 1);
                return new XdrFileSyntax(path, definitions.ToEquatableArray(), new[] { error }.ToEquatableArray());
            }
            definitions.Add(result.Value);
            input = result.Remainder;
        }
    }

    private static string Describe(IResult<DefinitionSyntax> failure)
    {
        var at = failure.Remainder;
        string found = at.AtEnd ? "end of file" : $"'{at.Current}'";
        var expected = failure.Expectations.Where(e => !string.IsNullOrEmpty(e)).Distinct().ToList();
        return expected.Count > 0 ? $"unexpected {found}, expected {string.Join(" or ", expected)}" : $"unexpected {found}";
    }

    private static IInput SkipTrivia(IInput input)
    {
        var result = Trivia.Many()(input);
        return result.Remainder;
    }

    private static readonly Parser<string> BlockComment =
        Parse.String("/*").Then(_ => Parse.AnyChar.Until(Parse.String("*/"))).Return("");

    private static readonly Parser<string> LineComment =
        Parse.String("//").Then(_ => Parse.CharExcept('\n').Many()).Return("");

    // RFC 5531 §12 / rpcgen: lines starting with '%' are passed to the C output; we ignore them.
    private static readonly Parser<string> PassThroughLine =
        Parse.Char('%').Then(_ => Parse.CharExcept('\n').Many()).Return("");

    private static readonly Parser<string> Trivia =
        Parse.WhiteSpace.Return("").Or(BlockComment).Or(LineComment).Or(PassThroughLine);

    private static Parser<T> Token<T>(Parser<T> parser) =>
        from _ in Trivia.Many()
        from value in parser
        select value;

    private static readonly Parser<SourcePosition> Here =
        input => Result.Success(new SourcePosition(input.Position, input.Line, input.Column), input);

    private static readonly Parser<SourcePosition> Position = Token(Here);

    private static readonly Parser<char> IdentifierChar = Parse.LetterOrDigit.Or(Parse.Char('_'));

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "bool", "case", "const", "default", "double", "quadruple", "enum", "float", "hyper", "int", "opaque",
        "string", "struct", "switch", "typedef", "union", "unsigned", "void", "program", "version",
    };

    private static Parser<string> Keyword(string keyword) =>
        Token(Parse.String(keyword).Text().Then(k => IdentifierChar.Not().Return(k))).Named($"'{keyword}'");

    private static Parser<char> Symbol(char symbol) => Token(Parse.Char(symbol)).Named($"'{symbol}'");

    private static readonly Parser<string> Identifier = Token(
        from first in Parse.Letter
        from rest in IdentifierChar.Many().Text()
        let name = first + rest
        where !Keywords.Contains(name)
        select name).Named("identifier");

    private static readonly Parser<long> HexNumber =
        from prefix in Parse.String("0x").Or(Parse.String("0X"))
        from value in Converted(Parse.Chars("0123456789abcdefABCDEF").AtLeastOnce().Text(), digits => Convert.ToInt64(digits, 16))
        select value;

    // A leading 0 means octal (RFC 4506 §6.3).
    private static readonly Parser<long> DecimalOrOctalNumber =
        Converted(Parse.Digit.AtLeastOnce().Text(), digits => digits.Length > 1 && digits[0] == '0'
            ? Convert.ToInt64(digits.Substring(1), 8)
            : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));

    /// <summary>Turns digits into a number, failing the parse (not throwing) on overflow or bad digits.</summary>
    private static Parser<long> Converted(Parser<string> digits, Func<string, long> convert) => input =>
    {
        var text = digits(input);
        if (!text.WasSuccessful)
            return Result.Failure<long>(text.Remainder, text.Message, text.Expectations);
        try
        {
            return Result.Success(convert(text.Value), text.Remainder);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return Result.Failure<long>(input, "invalid number", new[] { "a number that fits in 64 bits" });
        }
    };

    private static readonly Parser<long> Number = Token(
        from sign in Parse.Char('-').Optional()
        from magnitude in HexNumber.Or(DecimalOrOctalNumber)
        select sign.IsDefined ? -magnitude : magnitude).Named("number");

    private static readonly Parser<ValueSyntax> Value =
        (from position in Position
         from number in Number
         select (ValueSyntax)new NumberValueSyntax(number, position))
        .Or(from position in Position
            from name in Identifier
            select (ValueSyntax)new NameValueSyntax(name, position))
        .Named("constant or identifier");

    private static Parser<TypeSpecSyntax> Simple(TypeSpecKind kind, params string[] keywords) =>
        from position in Position
        from _ in keywords.Select(Keyword).Aggregate((a, b) => from x in a from y in b select y)
        select new TypeSpecSyntax(kind, position);

    private static readonly Parser<TypeSpecSyntax> PrimitiveType =
        Simple(TypeSpecKind.UnsignedInt, "unsigned", "int")
            .Or(Simple(TypeSpecKind.UnsignedHyper, "unsigned", "hyper"))
            .Or(Simple(TypeSpecKind.UnsignedInt, "unsigned"))
            .Or(Simple(TypeSpecKind.Int, "int"))
            .Or(Simple(TypeSpecKind.Hyper, "hyper"))
            .Or(Simple(TypeSpecKind.Float, "float"))
            .Or(Simple(TypeSpecKind.Double, "double"))
            .Or(Simple(TypeSpecKind.Quadruple, "quadruple"))
            .Or(Simple(TypeSpecKind.Bool, "bool"));

    private static readonly Parser<EnumBodySyntax> EnumBody =
        from open in Symbol('{')
        from members in (
            from position in Position
            from name in Identifier
            from eq in Symbol('=')
            from value in Value
            select new EnumMemberSyntax(name, value, position)).DelimitedBy(Symbol(','))
        from close in Symbol('}')
        select new EnumBodySyntax(members.ToEquatableArray());

    private static readonly Parser<StructBodySyntax> StructBody =
        from open in Symbol('{')
        from fields in (from d in Parse.Ref(() => Declaration) from semi in Symbol(';') select d).AtLeastOnce()
        from close in Symbol('}')
        select new StructBodySyntax(fields.ToEquatableArray());

    private static readonly Parser<CaseSyntax> CaseSpec =
        from values in (from kw in Keyword("case") from value in Value from colon in Symbol(':') select value).AtLeastOnce()
        from arm in Parse.Ref(() => Declaration)
        from semi in Symbol(';')
        select new CaseSyntax(values.ToEquatableArray(), arm);

    private static readonly Parser<UnionBodySyntax> UnionBody =
        from kw in Keyword("switch")
        from open in Symbol('(')
        from discriminant in Parse.Ref(() => Declaration)
        from close in Symbol(')')
        from openBody in Symbol('{')
        from cases in CaseSpec.AtLeastOnce()
        from defaultArm in (
            from d in Keyword("default")
            from colon in Symbol(':')
            from arm in Parse.Ref(() => Declaration)
            from semi in Symbol(';')
            select arm).Optional()
        from closeBody in Symbol('}')
        select new UnionBodySyntax(discriminant, cases.ToEquatableArray(), defaultArm.GetOrDefault());

    private static readonly Parser<TypeSpecSyntax> TypeSpecifier =
        PrimitiveType
            .Or(from position in Position from kw in Keyword("enum") from body in EnumBody
                select new TypeSpecSyntax(TypeSpecKind.Enum, position, Enum: body))
            .Or(from position in Position from kw in Keyword("struct") from body in StructBody
                select new TypeSpecSyntax(TypeSpecKind.Struct, position, Struct: body))
            .Or(from position in Position from kw in Keyword("union") from body in UnionBody
                select new TypeSpecSyntax(TypeSpecKind.Union, position, Union: body))
            .Or(from position in Position from name in Identifier
                select new TypeSpecSyntax(TypeSpecKind.Named, position, Name: name))
            .Named("type");

    private static readonly Parser<(DeclarationKind Kind, ValueSyntax? Size)> ArraySuffix =
        (from open in Symbol('[') from size in Value.Optional() from close in Symbol(']')
         select (DeclarationKind.FixedArray, (ValueSyntax?)size.GetOrDefault()))
        .Or(from open in Symbol('<') from size in Value.Optional() from close in Symbol('>')
            select (DeclarationKind.VariableArray, (ValueSyntax?)size.GetOrDefault()));

    private static Parser<DeclarationSyntax> OpaqueLike(string keyword, TypeSpecKind kind) =>
        from position in Position
        from kw in Keyword(keyword)
        from name in Identifier
        from suffix in ArraySuffix
        select new DeclarationSyntax(suffix.Kind, new TypeSpecSyntax(kind, position), name, suffix.Size, position);

    private static readonly Parser<DeclarationSyntax> Declaration =
        (from position in Position
         from kw in Keyword("void")
         select new DeclarationSyntax(DeclarationKind.Void, new TypeSpecSyntax(TypeSpecKind.Void, position), "", null, position))
        .Or(OpaqueLike("opaque", TypeSpecKind.Opaque))
        .Or(OpaqueLike("string", TypeSpecKind.String))
        .Or(from position in Position
            from type in TypeSpecifier
            from star in Symbol('*')
            from name in Identifier
            select new DeclarationSyntax(DeclarationKind.Optional, type, name, null, position))
        .Or(from position in Position
            from type in TypeSpecifier
            from name in Identifier
            from suffix in ArraySuffix.Optional()
            select suffix.IsDefined
                ? new DeclarationSyntax(suffix.Get().Kind, type, name, suffix.Get().Size, position)
                : new DeclarationSyntax(DeclarationKind.Plain, type, name, null, position))
        .Named("declaration");

    private static readonly Parser<DefinitionSyntax> ConstDefinition =
        from position in Position
        from kw in Keyword("const")
        from name in Identifier
        from eq in Symbol('=')
        from value in Value
        from semi in Symbol(';')
        select (DefinitionSyntax)new ConstSyntax(name, value, position);

    private static readonly Parser<DefinitionSyntax> TypeDefinition =
        (from kw in Keyword("typedef") from declaration in Declaration from semi in Symbol(';')
         select (DefinitionSyntax)new TypedefSyntax(declaration))
        .Or(from position in Position from kw in Keyword("enum") from name in Identifier from body in EnumBody from semi in Symbol(';')
            select (DefinitionSyntax)new EnumSyntax(name, body, position))
        .Or(from position in Position from kw in Keyword("struct") from name in Identifier from body in StructBody from semi in Symbol(';')
            select (DefinitionSyntax)new StructSyntax(name, body, position))
        .Or(from position in Position from kw in Keyword("union") from name in Identifier from body in UnionBody from semi in Symbol(';')
            select (DefinitionSyntax)new UnionSyntax(name, body, position));

    private static readonly Parser<TypeSpecSyntax> VoidOrType =
        (from position in Position from kw in Keyword("void") select new TypeSpecSyntax(TypeSpecKind.Void, position))
        .Or(TypeSpecifier);

    private static readonly Parser<ProcedureSyntax> Procedure =
        from position in Position
        from result in VoidOrType
        from name in Identifier
        from open in Symbol('(')
        from arguments in VoidOrType.DelimitedBy(Symbol(','))
        from close in Symbol(')')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select new ProcedureSyntax(name, result, arguments.ToEquatableArray(), number, position);

    private static readonly Parser<VersionSyntax> Version =
        from position in Position
        from kw in Keyword("version")
        from name in Identifier
        from open in Symbol('{')
        from procedures in Procedure.AtLeastOnce()
        from close in Symbol('}')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select new VersionSyntax(name, procedures.ToEquatableArray(), number, position);

    private static readonly Parser<DefinitionSyntax> ProgramDefinition =
        from position in Position
        from kw in Keyword("program")
        from name in Identifier
        from open in Symbol('{')
        from versions in Version.AtLeastOnce()
        from close in Symbol('}')
        from eq in Symbol('=')
        from number in Value
        from semi in Symbol(';')
        select (DefinitionSyntax)new ProgramSyntax(name, versions.ToEquatableArray(), number, position);

    private static readonly Parser<DefinitionSyntax> Definition =
        ConstDefinition.Or(TypeDefinition).Or(ProgramDefinition).Named("definition");
}
