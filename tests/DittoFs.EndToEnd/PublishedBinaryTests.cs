using System.Diagnostics;
using System.Security.Cryptography;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.EndToEnd;

/// <summary>
/// The release artefact as a user gets it: `dittofs` and `ditto-nfs` published self-contained for linux-x64 into one
/// folder (the commands of build.cake's Publish target), started from that folder with no configuration file (the
/// embedded default: RocksDB metadata, whose native library must load from the folder, and file content under
/// --data-dir), a file copied in and back with Debian's nfs-cp, and a graceful stop on SIGTERM.
/// Published once per run, into a temporary folder. (The publish builds src/DittoFs in place, self-contained: its
/// bin/ holds a self-contained dittofs until the next `dotnet build`, which puts the framework-dependent one back.
/// The other tests run the copy in their own bin/, which the publish does not touch.)
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PublishedBinaryTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(15);
    private string _release = null!;
    private string _scratch = null!;

    /// <summary>The projects of the release folder and the runtime published for, as in build.cake's Publish target.</summary>
    internal static readonly string[] Projects = ["src/DittoFs/DittoFs.csproj", "tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj"];

    [OneTimeSetUp]
    public void Publish()
    {
        _release = Directory.CreateTempSubdirectory("dittofs-release-").FullName;
        string root = RepositoryRoot.Find();
        foreach (var project in Projects)
            Run(root, PublishTimeout, "dotnet", "publish", Path.Combine(root, project), "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", _release,
                "--disable-build-servers", "-nologo", "-v", "quiet");
    }

    [OneTimeTearDown]
    public void RemoveRelease()
    {
        if (_release is not null && Directory.Exists(_release))
            Directory.Delete(_release, recursive: true);
    }

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("dittofs-published-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public void The_release_folder_holds_both_programs_and_no_single_file_bundle()
    {
        Assert.That(File.Exists(Path.Combine(_release, "dittofs")), Is.True);
        Assert.That(File.Exists(Path.Combine(_release, "ditto-nfs")), Is.True);
        Assert.That(Directory.GetFiles(_release, "librocksdb*.so"), Is.Not.Empty, "RocksDB's native library travels in the folder");
        Assert.That(File.Exists(Path.Combine(_release, "libcoreclr.so")), Is.True, "self-contained: the runtime travels in the folder");
    }

    [Test]
    public void The_published_dittofs_serves_a_file_copied_in_and_out_with_nfs_cp_and_stops_cleanly_on_SIGTERM()
    {
        string data = Path.Combine(_scratch, "data"), source = Path.Combine(_scratch, "in.bin"), copy = Path.Combine(_scratch, "out.bin");
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(2026).NextBytes(bytes);
        File.WriteAllBytes(source, bytes);

        // Started from elsewhere (the working directory is the scratch folder) and with no SDK to fall back on.
        var options = new DittoFsProcess.StartOptions(
            Executable: Path.Combine(_release, "dittofs"),
            Environment: new Dictionary<string, string> { ["DOTNET_ROOT"] = Path.Combine(_scratch, "no-dotnet-here") },
            WorkingDirectory: _scratch);
        using var server = DittoFsProcess.Start(options, DittoFsProcess.FreePort(), "--data-dir", data);

        NfsUtilitiesTests.Run("nfs-cp", source, LibNfsMount.Url(server.Port, path: "/published.bin"));
        NfsUtilitiesTests.Run("nfs-cp", LibNfsMount.Url(server.Port, path: "/published.bin"), copy);
        Assert.That(SHA256.HashData(File.ReadAllBytes(copy)), Is.EqualTo(SHA256.HashData(bytes)));

        // The published client of the same folder sees it too.
        string listing = Run(_scratch, TimeSpan.FromMinutes(3), Path.Combine(_release, "ditto-nfs"), "ls", "-l",
            $"nfs://127.0.0.1/export?nfsport={server.Port}&mountport={server.Port}");
        Assert.That(listing, Does.Contain("published.bin").And.Contain(bytes.Length.ToString()));

        Assert.That(server.Terminate(TimeSpan.FromMinutes(2)), Is.EqualTo(0), server.Output);
        Assert.That(server.Output, Does.Contain("rocksdb"), "the embedded default's metadata store is RocksDB");
        Assert.That(Directory.Exists(Path.Combine(data, "metadata")) && Directory.Exists(Path.Combine(data, "content")), Is.True,
            "the stores live under --data-dir");
    }

    [Test]
    public void The_container_image_starts_the_folder_as_its_Dockerfile_says_and_its_health_check_passes()
    {
        // packaging/Dockerfile: the Publish target builds the image where docker or podman is installed (not here), from
        // this folder copied to /opt/dittofs. What can be checked without a container engine: its entry point is the
        // folder's dittofs, which starts with the image's CMD, and the HEALTHCHECK command passes against that server.
        var instructions = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "packaging", "Dockerfile")).Replace("\\\n", " ").Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        string Instruction(string name) => instructions.Single(line => line.StartsWith(name + " "))[(name.Length + 1)..].Trim();
        Assert.That(Instruction("COPY"), Is.EqualTo(". /opt/dittofs/"), "the release folder is copied whole");
        Assert.That(Instruction("EXPOSE").Split(' '), Is.SupersetOf(new[] { "2049/tcp", "9090/tcp" }), "the default NFS and metrics ports");
        string entryPoint = System.Text.Json.JsonSerializer.Deserialize<string[]>(Instruction("ENTRYPOINT"))!.Single();
        Assert.That(entryPoint, Does.StartWith("/opt/dittofs/"));
        var command = System.Text.Json.JsonSerializer.Deserialize<string[]>(Instruction("CMD"))!;
        Assert.That(command, Is.EqualTo(new[] { "--data-dir", "/data" }), "the embedded default, its data in the volume");

        int metricsPort = DittoFsProcess.FreePort();
        var options = new DittoFsProcess.StartOptions(Executable: Path.Combine(_release, entryPoint["/opt/dittofs/".Length..]), WorkingDirectory: _scratch);
        using var server = DittoFsProcess.Start(options, DittoFsProcess.FreePort(), "--data-dir", Path.Combine(_scratch, "data"), "--metrics-port", metricsPort.ToString());
        string healthCheck = Instruction("HEALTHCHECK");
        healthCheck = healthCheck[(healthCheck.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..].Replace("127.0.0.1/9090", $"127.0.0.1/{metricsPort}");
        Assert.That(healthCheck, Does.Contain($"/{metricsPort}"), "the check asks the metrics port");
        // As the engine runs it (a shell command), until it passes: 503 while the server is still starting.
        int exitCode = -1;
        for (int attempt = 0; attempt < 120 && exitCode != 0; attempt++)
        {
            using var check = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", healthCheck]))!;
            if (!check.WaitForExit(TimeSpan.FromSeconds(30)))
                check.Kill(entireProcessTree: true);
            check.WaitForExit();
            exitCode = check.ExitCode;
            if (exitCode != 0)
                Thread.Sleep(500);
        }
        Assert.That(exitCode, Is.Zero, $"HEALTHCHECK {healthCheck}\n{server.Output}");
        Assert.That(server.Terminate(TimeSpan.FromMinutes(2)), Is.EqualTo(0), server.Output);
    }

    [Test]
    public void Ditto_nfs_packs_as_a_dotnet_tool_that_installs_and_runs()
    {
        string packages = Path.Combine(_scratch, "packages"), tools = Path.Combine(_scratch, "tools");
        string root = RepositoryRoot.Find();
        Run(root, PublishTimeout, "dotnet", "pack", Path.Combine(root, Projects[1]), "-c", "Release", "-o", packages, "--disable-build-servers", "-nologo", "-v", "quiet");
        Assert.That(Directory.GetFiles(packages, "ditto-nfs.*.nupkg"), Has.Length.EqualTo(1));

        Run(_scratch, PublishTimeout, "dotnet", "tool", "install", "ditto-nfs", "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources");
        Assert.That(Run(_scratch, TimeSpan.FromMinutes(3), Path.Combine(tools, "ditto-nfs"), "--help"), Does.Contain("ditto-nfs: an NFSv3 client"));
    }

    internal static string Run(string workingDirectory, TimeSpan timeout, string program, params string[] arguments) =>
        Run(workingDirectory, timeout, new Dictionary<string, string>(), program, arguments);

    /// <summary>
    /// Runs a program to its end within <paramref name="timeout"/> (killed, with its children, past it), with
    /// <paramref name="environment"/> added to this process's; it must exit 0. Gives stdout.
    /// </summary>
    internal static string Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        // `dotnet test` runs this test host with MSBuild's variables set for its own build: a nested build must not inherit them.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (!process.WaitForExit(timeout))
                Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout}");
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{program} {string.Join(' ', arguments)} failed:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
