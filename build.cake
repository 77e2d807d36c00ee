// DittoFs build orchestration: `dotnet tool restore && dotnet cake --target=Test` from a clean clone.
// Targets: Build, Test (installs the test machine's dependencies first), Publish (release folders), Bench.
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

// Release artefacts. artifacts/publish/<rid>/ for linux-x64 and linux-arm64: `dittofs` and `ditto-nfs` published
// self-contained into one folder (the .NET runtime, RocksDB's native library and every other file beside them: it runs
// from wherever the folder is copied, with no .NET installed), with LICENSE and packaging/ (the systemd unit and the
// sample /etc/dittofs/dittofs.yaml). A folder, not a single file: a single-file `dittofs` does not find RocksDB's
// native library. artifacts/packages/: ditto-nfs as a .NET tool package (`dotnet tool install --add-source ...`).
// tests/DittoFs.EndToEnd/PublishedBinaryTests.cs publishes linux-x64 with the same commands and drives the result.
Task("Publish")
    .Does(() =>
{
    var artifacts = MakeAbsolute(Directory("artifacts"));
    foreach (var rid in new[] { "linux-x64", "linux-arm64" })
    {
        var output = artifacts.Combine("publish").Combine(rid);
        CleanDirectory(output);
        foreach (var project in new[] { "src/DittoFs/DittoFs.csproj", "tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj" })
        {
            DotNetPublish(project, new DotNetPublishSettings
            {
                Configuration = configuration,
                Runtime = rid,
                SelfContained = true,
                OutputDirectory = output,
            });
        }
        CopyFileToDirectory("LICENSE", output);
        CopyDirectory("packaging", output.Combine("packaging"));
        Information($"{rid}: {output}");
    }
    // The folder of this machine's architecture must start: --help runs the whole host and runtime from the folder.
    var native = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
    if (IsRunningOnLinux())
    {
        foreach (var program in new[] { "dittofs", "ditto-nfs" })
            Run(artifacts.Combine("publish").Combine(native).CombineWithFilePath(program).FullPath, "--help");
    }
    var packages = artifacts.Combine("packages");
    CleanDirectory(packages);
    DotNetPack("tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj", new DotNetPackSettings { Configuration = configuration, OutputDirectory = packages });
    Information($"ditto-nfs tool package: {packages}");
});

// Real components, not mocks: the end-to-end tests drive the server with Debian's libnfs utilities, the
// generator tests compile the classic .x files Debian's rpcsvc-proto installs in /usr/include/rpcsvc, and the
// PostgreSQL store's tests run a private cluster of Debian's postgresql server (initdb/pg_ctl, no service started).
Task("TestDependencies")
    .Does(() =>
{
    if (!IsRunningOnLinux())
        return;
    if (!FileExists("/usr/bin/nfs-ls") || !FileExists("/usr/lib/x86_64-linux-gnu/libnfs.so.13") || !FileExists("/usr/sbin/rpcbind")
        || !FileExists("/usr/include/rpcsvc/nfs_prot.x"))
    {
        Information("Installing libnfs and rpcsvc-proto (apt)...");
        // Another install on the machine may hold the dpkg lock: wait for it (up to 10 minutes) rather than fail.
        Run("apt-get", "-o DPkg::Lock::Timeout=600 update -qq");
        Run("apt-get", "-o DPkg::Lock::Timeout=600 install -y -qq libnfs-utils libnfs13 rpcbind rpcsvc-proto");
    }
    if (!GetDirectories("/usr/lib/postgresql/*/bin").Any(bin => FileExists(bin.CombineWithFilePath("pg_ctl"))))
    {
        Information("Installing postgresql (apt)...");
        Run("bash", "-c \"apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null)\"");
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

// Benchmarks, into benchmark_results/<UTC timestamp>/ (git-ignored): the BenchmarkDotNet micro benchmarks; then the
// lock load: the real server (Release) on in-memory stores with no grace period, a file created over MOUNT + NFS,
// and uncontended NLM v4 LOCK+UNLOCK pairs over TCP, first on one connection in sequence, then from --lock-clients
// clients at once, each on its own connection with its own owner (the `locks` mode of tests/DittoFs.Benchmarks;
// pairs/s and the count of non-granted replies, which fails the run unless 0, into locks.txt and locks.json); then,
// given --compare=PATH (a compare script that takes a DittoFs URL and a number of rounds and runs the same load
// against DittoFs and nfs-ganesha), the server side by side with ganesha on in-memory stores (PEER=ram) and on
// RocksDB + files on disk (PEER=disk), and the iperf3 loopback ceiling of the same session. The repository does not
// carry a file-system load generator of its own yet. Options:
//   --micro=false (skip BenchmarkDotNet: `--target=Bench --micro=false` runs the lock load alone)
//   --locks=false (skip the lock load)  --lock-clients=N (default 64)  --lock-warmup=S (default 2)  --lock-seconds=S (default 10)
//   --smallfiles=false (skip the small-file memory figure: the server's RSS before, with --smallfiles-files=N files of
//     4 KiB (default 100000) and after their removal, into smallfiles.txt and smallfiles.json)
//   --compare=PATH  --rounds=N (compare rounds, default 3)  --peers=ram,disk
Task("Bench")
    .Does(() =>
{
    var output = MakeAbsolute(Directory($"benchmark_results/{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
    EnsureDirectoryExists(output);
    if (Argument("micro", true))
    {
        DotNetRun("tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj",
            new ProcessArgumentBuilder().Append("--filter").AppendQuoted("*").Append("--artifacts").AppendQuoted(output.FullPath),
            new DotNetRunSettings { Configuration = "Release" });
    }

    var server = MakeAbsolute(File("src/DittoFs/bin/Release/net10.0/linux-x64/dittofs.dll"));
    if (Argument("locks", true))
    {
        DotNetBuild("src/DittoFs/DittoFs.csproj", new DotNetBuildSettings { Configuration = "Release" });
        // The server as shipped but on in-memory stores, metrics and portmapper off, and no grace period: LOCKs are
        // granted from the first call (in a grace period they would be answered DENIED_GRACE_PERIOD).
        int port = FreePort();
        var config = output.CombineWithFilePath("bench-locks.yaml");
        WriteMemoryConfig(config, "DittoFs on in-memory stores, for the lock load", $"""
            server:
              log_level: WARN
              portmap: "false"
            metrics:
              enabled: false
            locks:
              grace_period: 0s
            """);
        var process = StartAndReturnProcess("dotnet", new ProcessSettings { Arguments = $"\"{server}\" --config \"{config}\" --port {port}" });
        try
        {
            WaitForPort(port, TimeSpan.FromSeconds(60));
            DotNetRun("tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj",
                new ProcessArgumentBuilder().Append("locks").Append("--port").Append(port.ToString())
                    .Append("--clients").Append(Argument("lock-clients", 64).ToString())
                    .Append("--warmup").Append(Argument("lock-warmup", 2).ToString())
                    .Append("--seconds").Append(Argument("lock-seconds", 10).ToString())
                    .Append("--output").AppendQuoted(output.FullPath),
                new DotNetRunSettings { Configuration = "Release" });
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    if (Argument("smallfiles", true))
    {
        DotNetBuild("src/DittoFs/DittoFs.csproj", new DotNetBuildSettings { Configuration = "Release" });
        // The server as shipped on in-memory stores, alone in its process: its RSS before, with --smallfiles-files
        // files of 4 KiB, and after their removal (the `smallfiles` mode of tests/DittoFs.Benchmarks).
        int port = FreePort();
        var config = output.CombineWithFilePath("bench-smallfiles.yaml");
        WriteMemoryConfig(config, "DittoFs on in-memory stores, for the small-file memory figure", $"""
            server:
              log_level: WARN
              portmap: "false"
            metrics:
              enabled: false
            """);
        // Started with System.Diagnostics.Process: the load reads the server's RSS by its pid, which Cake's IProcess does not give.
        var process = System.Diagnostics.Process.Start("dotnet", $"\"{server}\" --config \"{config}\" --port {port}");
        try
        {
            WaitForPort(port, TimeSpan.FromSeconds(60));
            DotNetRun("tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj",
                new ProcessArgumentBuilder().Append("smallfiles").Append("--port").Append(port.ToString())
                    .Append("--pid").Append(process.Id.ToString())
                    .Append("--files").Append(Argument("smallfiles-files", 100000).ToString())
                    .Append("--output").AppendQuoted(output.FullPath),
                new DotNetRunSettings { Configuration = "Release" });
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    var comparePath = Argument("compare", "");
    if (comparePath == "")
    {
        Information($"No --compare=PATH: no comparison with ganesha. Results in {output}.");
        return;
    }
    var compare = MakeAbsolute(File(comparePath));
    if (!FileExists(compare))
        throw new Exception($"--compare: no such file {compare}; give the path of a compare script (DittoFs URL, rounds).");
    int rounds = Argument("rounds", 3);
    var peers = Argument("peers", "ram,disk").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    DotNetBuild("src/DittoFs/DittoFs.csproj", new DotNetBuildSettings { Configuration = "Release" });
    foreach (var peer in peers)
    {
        // The server as shipped (metrics on, portmapper off: compare.sh's rpcbind serves ganesha), on a fresh store.
        int port = FreePort(), metricsPort = FreePort();
        string arguments;
        var data = output.Combine($"data-{peer}");
        if (peer == "ram")
        {
            var config = output.CombineWithFilePath("bench-memory.yaml");
            WriteMemoryConfig(config, "DittoFs on in-memory stores, for compare.sh PEER=ram", $"""
                server:
                  log_level: WARN
                  portmap: "false"
                metrics:
                  enabled: true
                  port: {metricsPort}
                """);
            arguments = $"\"{server}\" --config \"{config}\" --port {port}";
        }
        else
        {
            // The embedded default configuration: RocksDB metadata and file-system content under --data-dir, on disk.
            EnsureDirectoryExists(data);
            arguments = $"\"{server}\" --data-dir \"{data}\" --port {port} --metrics-port {metricsPort} --portmap false --log-level WARN";
        }
        var process = StartAndReturnProcess("dotnet", new ProcessSettings { Arguments = arguments });
        try
        {
            WaitForPort(port, TimeSpan.FromSeconds(60));
            var url = $"nfs://127.0.0.1/export?version=3&nfsport={port}&mountport={port}";
            var result = output.CombineWithFilePath($"compare-{peer}.txt");
            Run("bash", $"-o pipefail -c \"PEER={peer} '{compare}' '{url}' {rounds} 2>&1 | tee '{result}'\"");
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
            if (DirectoryExists(data))
                DeleteDirectory(data, new DeleteDirectorySettings { Recursive = true, Force = true });
        }
    }

    // Raw loopback TCP: the ceiling of every sequential figure, measured in the same session.
    if (StartProcess("bash", new ProcessSettings { Arguments = "-c \"command -v iperf3\"", RedirectStandardOutput = true }) != 0)
        Run("bash", "-c \"apt-get -o DPkg::Lock::Timeout=600 install -y -qq iperf3 >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq iperf3 >/dev/null)\"");
    int iperfPort = FreePort();
    // (A one-off server: probing its port would count as its one client, so the client retries until it is up.)
    var iperfServer = StartAndReturnProcess("iperf3", new ProcessSettings { Arguments = $"-s -1 -p {iperfPort}", RedirectStandardOutput = true });
    Run("bash", $"-o pipefail -c \"for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.3; iperf3 -c 127.0.0.1 -p {iperfPort} -t 5 > '{output.CombineWithFilePath("iperf3.txt")}' && break; done; cat '{output.CombineWithFilePath("iperf3.txt")}'\"");
    iperfServer.WaitForExit(10_000);
    Information($"Results in {output}");
});

// A configuration of one share, /export, on in-memory stores, after the given sections (server, metrics, ...).
void WriteMemoryConfig(FilePath path, string comment, string sections)
{
    System.IO.File.WriteAllText(path.FullPath, $"""
        # {comment}
        {sections}
        metadata:
          stores:
            m:
              type: memory
        content:
          stores:
            c:
              type: memory
        shares:
          - name: /export
            metadata_store: m
            content_store: c

        """);
}

int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

void WaitForPort(int port, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return;
        }
        catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
        {
            System.Threading.Thread.Sleep(200);
        }
    }
}

void Run(string tool, string arguments)
{
    int exitCode = StartProcess(tool, new ProcessSettings { Arguments = arguments });
    if (exitCode != 0)
        throw new Exception($"{tool} {arguments} exited with {exitCode}");
}

RunTarget(target);
