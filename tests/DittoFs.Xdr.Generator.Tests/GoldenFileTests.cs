using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// The full generated text for Golden/showcase.x (one of each construct), compared with the committed
/// golden files. Run with UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
/// </summary>
public sealed class GoldenFileTests
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    private static GeneratorOutput Showcase()
    {
        string path = Path.Combine(RepositoryFiles.GoldenFolder, "showcase.x");
        return GeneratorHarness.Run(new XdrFile(path, File.ReadAllText(path)));
    }

    /// <summary>Golden/rpcgen_dialect.x: rpcgen's dialect, in a namespace of its own as a user's file would be.</summary>
    private static GeneratorOutput RpcgenDialect()
    {
        string path = Path.Combine(RepositoryFiles.GoldenFolder, "rpcgen_dialect.x");
        return GeneratorHarness.Run(new XdrFile(path, File.ReadAllText(path), "Sample.Rpcgen"));
    }

    [TestCase("showcase.g.cs")]
    [TestCase("XdrSharedCodecs.g.cs")]
    [TestCase("Sample.Rpcgen.rpcgen_dialect.g.cs")]
    [TestCase("Sample.Rpcgen.XdrSharedCodecs.g.cs")]
    public void Generated_source_matches_its_golden_file(string hintName)
    {
        var output = hintName.StartsWith("Sample.Rpcgen.", StringComparison.Ordinal) ? RpcgenDialect() : Showcase();
        Assert.That(output.Diagnostics, Is.Empty, output.Describe());
        string actual = output.Source(hintName);
        string goldenPath = Path.Combine(RepositoryFiles.GoldenFolder, hintName + ".txt");
        if (Update)
            File.WriteAllText(goldenPath, actual);
        Assert.That(File.Exists(goldenPath), Is.True, $"{goldenPath} is missing; run the tests with UPDATE_GOLDEN=1 to create it.");
        string expected = File.ReadAllText(goldenPath).ReplaceLineEndings("\n");
        Assert.That(actual, Is.EqualTo(expected), $"{hintName} differs from {goldenPath}; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff.");
    }

    [Test]
    public void Showcase_generates_exactly_one_source_per_x_file_plus_the_shared_codecs()
    {
        Assert.That(Showcase().Sources.Keys, Is.EquivalentTo(new[] { "showcase.g.cs", "XdrSharedCodecs.g.cs" }));
    }

    [Test]
    public void Rpcgen_dialect_output_compiles_without_warnings()
    {
        using var compiled = RpcgenDialect().Compile();
        Assert.That(compiled.Assembly.GetType("Sample.Rpcgen.LocktestV1Client"), Is.Not.Null);
    }

    [Test]
    public void Showcase_output_compiles_without_warnings()
    {
        using var compiled = Showcase().Compile();
        Assert.That(compiled.Type("ShowcaseV1Client"), Is.Not.Null);
    }
}
