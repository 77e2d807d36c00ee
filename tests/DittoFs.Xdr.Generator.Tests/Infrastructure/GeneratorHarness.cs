using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DittoFs.Xdr.Generator.Tests.Infrastructure;

/// <summary>
/// Runs <see cref="XdrGenerator"/> in-process with <see cref="CSharpGeneratorDriver"/>, as the compiler
/// would, over .x files given as text.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>The RootNamespace the tests give the generated code.</summary>
    public const string Namespace = "Sample";

    /// <summary>Where single-file tests pretend their .x file lives (diagnostics name it).</summary>
    public const string DefaultPath = "/idl/sample.x";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static GeneratorOutput Run(string xdr) => Run(new XdrFile(DefaultPath, xdr));

    public static GeneratorOutput Run(params XdrFile[] files) => Run(files, Namespace);

    public static GeneratorOutput Run(IEnumerable<XdrFile> files, string? rootNamespace)
    {
        var compilation = EmptyCompilation();
        var driver = CreateDriver(files, rootNamespace);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorOutput(driver.GetRunResult(), diagnostics, output);
    }

    public static GeneratorDriver CreateDriver(IEnumerable<XdrFile> files, string? rootNamespace = Namespace, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new XdrGenerator().AsSourceGenerator()],
            files,
            ParseOptions,
            BuildProperties.WithRootNamespace(rootNamespace),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>A library compilation against the running framework and DittoFs.Xdr, with the given C# trees.</summary>
    public static CSharpCompilation EmptyCompilation(params SyntaxTree[] trees) =>
        CSharpCompilation.Create(
            "Sample" + Guid.NewGuid().ToString("N"),
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    // The running framework's own assemblies: no reference pack to download, and the exact runtime the tests load into.
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => Path.GetDirectoryName(path) == frameworkDirectory);
        return framework
            .Append(typeof(XdrReader).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    });
}

/// <summary>What one generator run produced: sources by hint name, diagnostics, and the compilation with the sources added.</summary>
public sealed class GeneratorOutput(GeneratorDriverRunResult runResult, ImmutableArray<Diagnostic> diagnostics, Compilation compilation)
{
    public GeneratorDriverRunResult RunResult { get; } = runResult;

    /// <summary>The generator's diagnostics, including the compiler's CS8785 if the generator threw.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>The input compilation plus the generated sources.</summary>
    public Compilation Compilation { get; } = compilation;

    public IReadOnlyDictionary<string, string> Sources { get; } = runResult.Results
        .SelectMany(r => r.GeneratedSources)
        .ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    public Exception? Exception => RunResult.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);

    public string Source(string hintName) =>
        Sources.TryGetValue(hintName, out var text) ? text : throw new AssertionException($"No source '{hintName}'; generated: {string.Join(", ", Sources.Keys)}");

    /// <summary>All diagnostics as "ID (line,column): message" lines, for assertion messages.</summary>
    public string Describe() => string.Join("\n", Diagnostics.Select(d => d.ToString()));

    /// <summary>
    /// Compiles the generated code, plus <paramref name="probe"/> (members of a <c>public static class Probe</c>
    /// in the generated namespace, which can use the generated types as any caller would), and loads it.
    /// Fails the test on any compile error, or on a warning inside generated code.
    /// </summary>
    public CompiledXdr Compile(string probe = "")
    {
        Assert.That(Diagnostics, Is.Empty, "the generator reported:\n" + Describe());
        return CompiledXdr.Load(Compilation, probe, Sources);
    }
}
