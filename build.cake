// DittoFs build orchestration: `dotnet tool restore && dotnet cake --target=Test` from a clean clone.
// Targets: Build, Test (installs the test machine's dependencies first), Bench.
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var testFilter = Argument("filter", "");
var resultsDirectory = MakeAbsolute(Directory("TestResults"));

Task("Build")
    .Does(() =>
{
    DotNetBuild("DittoFs.sln", new DotNetBuildSettings { Configuration = configuration });
});

// Real components, not mocks: the end-to-end tests drive the server with Debian's libnfs utilities.
Task("TestDependencies")
    .Does(() =>
{
    if (!IsRunningOnLinux())
        return;
    if (!FileExists("/usr/bin/nfs-ls") || !FileExists("/usr/lib/x86_64-linux-gnu/libnfs.so.13") || !FileExists("/usr/sbin/rpcbind"))
    {
        Information("Installing libnfs (apt)...");
        Run("apt-get", "update -qq");
        Run("apt-get", "install -y -qq libnfs-utils libnfs13 rpcbind");
    }
});

Task("Test")
    .IsDependentOn("TestDependencies")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(resultsDirectory);
    var settings = new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        ResultsDirectory = resultsDirectory,
        Loggers = new[] { "trx" },
        Filter = string.IsNullOrEmpty(testFilter) ? null : testFilter,
    };
    Exception? failure = null;
    try
    {
        DotNetTest("DittoFs.sln", settings);
    }
    catch (Exception e)
    {
        failure = e;
    }
    // One line for CI, summed over every test assembly's TRX file.
    int passed = 0, failed = 0;
    foreach (var trx in GetFiles(resultsDirectory.FullPath + "/**/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed")!.Value);
        failed += int.Parse(counters.Attribute("failed")!.Value) + int.Parse(counters.Attribute("error")?.Value ?? "0")
            + int.Parse(counters.Attribute("timeout")?.Value ?? "0") + int.Parse(counters.Attribute("aborted")?.Value ?? "0");
    }
    Console.WriteLine($"{passed} passed, {failed} failed"); // plain, uncoloured: CI reads this line
    if (failure is not null || failed > 0)
        throw new Exception("Tests failed.", failure);
});

Task("Bench")
    .Does(() =>
{
    var output = MakeAbsolute(Directory($"benchmark_results/{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
    EnsureDirectoryExists(output);
    DotNetRun("tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("--filter").AppendQuoted("*").Append("--artifacts").AppendQuoted(output.FullPath),
        new DotNetRunSettings { Configuration = "Release" });
    Information($"Results in {output}");
});

void Run(string tool, string arguments)
{
    int exitCode = StartProcess(tool, new ProcessSettings { Arguments = arguments });
    if (exitCode != 0)
        throw new Exception($"{tool} {arguments} exited with {exitCode}");
}

RunTarget(target);
