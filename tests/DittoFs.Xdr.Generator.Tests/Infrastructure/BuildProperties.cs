using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>The MSBuild properties the generator can see (<c>build_property.*</c>), as a project with CompilerVisibleProperty passes them.</summary>
public sealed class BuildProperties(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
{
    private static readonly Options None = new(new Dictionary<string, string>());

    public static BuildProperties WithRootNamespace(string? rootNamespace) =>
        new(rootNamespace is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["build_property.RootNamespace"] = rootNamespace });

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(properties);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

    /// <summary>An <see cref="XdrFile"/>'s item metadata, as MSBuild passes CompilerVisibleItemMetadata.</summary>
    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        textFile is XdrFile { Namespace: string ns }
            ? new Options(new Dictionary<string, string> { [XdrGenerator.NamespaceMetadata] = ns })
            : None;

    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
