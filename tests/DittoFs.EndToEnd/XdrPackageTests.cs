using System.IO.Compression;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// The XDR generator as a user outside this repository gets it: DittoFs.Xdr (runtime + generator), DittoFs.Protocol
/// and DittoFs.Rpc packed as build.cake's Pack target packs them, under a version no other feed has, into a local
/// folder feed; samples/XdrSample copied to a temporary folder, restored from that feed (the machine's usual NuGet
/// source for everything else) into an empty package cache, so no stale package is ever used; its greet.x generated
/// and compiled, and its generated client calling its generated server over loopback.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class XdrPackageTests
{
    /// <summary>The packages of the XDR generator and the RPC layer, as in build.cake's Pack target.</summary>
    private static readonly string[] Projects = ["src/DittoFs.Xdr/DittoFs.Xdr.csproj", "src/DittoFs.Protocol/DittoFs.Protocol.csproj", "src/DittoFs.Rpc/DittoFs.Rpc.csproj"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("dittofs-xdr-package-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public void A_project_of_its_own_compiles_its_x_file_with_the_packed_generator_and_round_trips_a_call_over_loopback()
    {
        string root = RepositoryRoot.Find();
        string feed = Path.Combine(_scratch, "feed"), sample = Path.Combine(_scratch, "sample");
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        // --no-build: this test project's build built them in Release; packing must not rewrite the bin/ folders other
        // test assemblies of the same run are loading from.
        foreach (var project in Projects)
            PublishedBinaryTests.Run(root, BuildTimeout, "dotnet", "pack", Path.Combine(root, project), "-c", "Release", "--no-build", "-o", feed,
                $"-p:PackageVersion={version}", "--disable-build-servers", "-nologo", "-v", "quiet");

        using (var package = ZipFile.OpenRead(Path.Combine(feed, $"DittoFs.Xdr.{version}.nupkg")))
        {
            var entries = package.Entries.Select(entry => entry.FullName).ToArray();
            Assert.That(entries, Is.SupersetOf(new[]
            {
                "lib/net10.0/DittoFs.Xdr.dll",
                "analyzers/dotnet/cs/DittoFs.Xdr.Generator.dll",
                "analyzers/dotnet/cs/Sprache.dll",
                "build/DittoFs.Xdr.props",
            }));
        }

        Directory.CreateDirectory(sample);
        foreach (var file in Directory.GetFiles(Path.Combine(root, "samples", "XdrSample")))
            File.Copy(file, Path.Combine(sample, Path.GetFileName(file)));
        // The feed added to the machine's sources (not replacing them): the other dependencies come from where they always do.
        File.WriteAllText(Path.Combine(sample, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="dittofs-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_scratch, "nuget-packages") };

        // Fails (exit code) if the generated code does not compile or the reply is not the one the service built.
        string output = PublishedBinaryTests.Run(sample, BuildTimeout, environment, "dotnet", "run", "-c", "Release", $"-p:DittoFsVersion={version}",
            "--disable-build-servers", "-nologo", "-v", "quiet");

        Assert.That(output, Does.Contain("GREET answered: HELLO, LOOPBACK! HELLO, LOOPBACK!"));
        Assert.That(Directory.Exists(Path.Combine(_scratch, "nuget-packages", "dittofs.xdr", version)), Is.True,
            "the packed DittoFs.Xdr was restored into the test's own package cache");
    }
}
