using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>
/// An .x file handed to the generator as an AdditionalFile, the way MSBuild hands it over; <see cref="Namespace"/>
/// is its XdrNamespace item metadata (<c>&lt;AdditionalFiles Include="..." XdrNamespace="..." /&gt;</c>), if any.
/// </summary>
public sealed class XdrFile(string path, string text, string? xdrNamespace = null) : AdditionalText
{
    public string? Namespace { get; } = xdrNamespace;

    private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

    public override string Path { get; } = path;

    public string Text { get; } = text;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
