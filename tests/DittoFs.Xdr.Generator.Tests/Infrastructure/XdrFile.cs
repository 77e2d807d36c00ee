using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>An .x file handed to the generator as an AdditionalFile, the way MSBuild hands it over.</summary>
public sealed class XdrFile(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text, Encoding.UTF8);

    public override string Path { get; } = path;

    public string Text { get; } = text;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
