// DittoFs build orchestration: `dotnet tool restore && dotnet cake --target=Test` from a clean clone.
// Targets: Build, Test (installs the test machine's dependencies first), Pack (NuGet packages), Publish (Pack, then release
// folders), Bench (benchmarks and the ganesha peer run: `--target=Bench --micro=false --locks=false --smallfiles=false` runs the peer run alone; options above the task).
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

// artifacts/packages/: ditto-nfs as a .NET tool package (`dotnet tool install --add-source ...`), and the XDR generator
// for other projects: DittoFs.Xdr (the runtime, with the generator and Sprache as its analyzer), DittoFs.Protocol and
// DittoFs.Rpc (ONC RPC client and server), used as README's "Using the XDR generator in your own project" shows.
// `--package-version=X` sets their version (default 1.0.0). tests/DittoFs.EndToEnd/PublishedBinaryTests.cs and
// XdrPackageTests.cs pack with the same commands and use the result.
Task("Pack")
    .Does(() =>
{
    var packages = MakeAbsolute(Directory("artifacts/packages"));
    CleanDirectory(packages);
    var version = Argument("package-version", "1.0.0");
    foreach (var project in new[] { "tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj", "src/DittoFs.Xdr/DittoFs.Xdr.csproj", "src/DittoFs.Protocol/DittoFs.Protocol.csproj", "src/DittoFs.Rpc/DittoFs.Rpc.csproj" })
    {
        DotNetPack(project, new DotNetPackSettings
        {
            Configuration = configuration,
            OutputDirectory = packages,
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("PackageVersion", version),
        });
    }
    Information($"packages: {packages}");
});

// Release artefacts. artifacts/publish/<rid>/ for linux-x64 and linux-arm64: `dittofs` and `ditto-nfs` published
// self-contained into one folder (the .NET runtime, RocksDB's native library and every other file beside them: it runs
// from wherever the folder is copied, with no .NET installed), with LICENSE and packaging/ (the systemd unit and the
// sample /etc/dittofs/dittofs.yaml). A folder, not a single file: a single-file `dittofs` does not find RocksDB's
// native library. Packs first (the Pack target). tests/DittoFs.EndToEnd/PublishedBinaryTests.cs publishes linux-x64 with
// the same commands and drives the result. Where docker or podman is installed, also the container image of this
// machine's architecture (packaging/Dockerfile), tagged dittofs:<package-version>.
Task("Publish")
    .IsDependentOn("Pack")
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
    // The container image (packaging/Dockerfile) of this machine's architecture, where a container tool is installed.
    var native = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
    var containerTool = new[] { "docker", "podman" }.FirstOrDefault(tool =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(folder => System.IO.File.Exists(System.IO.Path.Combine(folder, tool))));
    if (containerTool is null)
    {
        Information("No docker or podman on the PATH: the container image (packaging/Dockerfile) is not built.");
    }
    else
    {
        var version = Argument("package-version", "1.0.0");
        Run(containerTool, $"build -f packaging/Dockerfile -t dittofs:{version} \"{artifacts.Combine("publish").Combine(native)}\"");
        Information($"Container image dittofs:{version} built with {containerTool}.");
    }
    // The folder of this machine's architecture must start: --help runs the whole host and runtime from the folder.
    if (IsRunningOnLinux())
    {
        foreach (var program in new[] { "dittofs", "ditto-nfs" })
            Run(artifacts.Combine("publish").Combine(native).CombineWithFilePath(program).FullPath, "--help");
    }
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
// pairs/s and the count of non-granted replies, which fails the run unless 0, into locks.txt and locks.json); then the
// small-file memory figure; then the peer run (--peer=ganesha, the default without --compare; needs root): Debian's
// nfs-ganesha and nfs-ganesha-vfs installed if missing, ganesha (FSAL_VFS, NFSv3 and NFSv4, no grace period) and DittoFs
// (Release) started here on matching stores, `ditto-nfs bench` run over NFSv3 and over NFSv4.1 against both, the side
// going first alternating each round, and compare.md written: per store kind and NFS version, each figure's median on
// both servers, the ratio (above 1: DittoFs ahead) and DittoFs's v4.1/v3 ratio (raw lines in peer-<kind>/bench.txt).
// Everything it starts it stops, also on failure; a failed bench run is listed in compare.md and fails the target.
// Given --compare=PATH instead (a compare script that takes a DittoFs URL and a number of rounds and runs its own load
// against DittoFs and nfs-ganesha), the server side by side with ganesha on in-memory stores (PEER=ram) and on
// RocksDB + files on disk (PEER=disk), and the iperf3 loopback ceiling of the same session. Options:
//   --micro=false (skip BenchmarkDotNet: `--target=Bench --micro=false` runs the lock load alone)
//   --locks=false (skip the lock load)  --lock-clients=N (default 64)  --lock-warmup=S (default 2)  --lock-seconds=S (default 10)
//   --smallfiles=false (skip the small-file memory figure: the server's RSS before, with --smallfiles-files=N files of
//     4 KiB (default 100000) and after their removal, into smallfiles.txt and smallfiles.json)
//   --curves=true (off by default: issue 18's curves, see docs/performance.md "Curves": rates by files on a share, a
//     huge directory's pages, start and fsck time, 1-64 client connections; charts (SVG) and tables into curves.md;
//     alone: --curves=true --micro=false --locks=false --smallfiles=false --peer=none)  --curves-stores=memory,rocksdb
//     --curves-files=10000,100000,1000000  --curves-directory-entries=100000,1000000  --curves-connections=1,4,16,64
//     --curves-sample=N (calls per measured rate, default 5000)  --curves-seconds=S (per client point, default 5)
//     --curves-stores=...,s3 adds RocksDB + S3 content on an s3rver, and curve 5 (raw S3 against NFS, S3 requests per
//     NFS call)  --curves-s3-size=MiB (data written raw and through NFS, default 1024)
//   --peer=ganesha|none  --peer-stores=ram|disk|pg or a list: ram,disk,pg (default ram: in-memory stores against ganesha
//     over tmpfs; disk: RocksDB + files against ganesha over a folder, both on the disk of benchmark_results/; pg: one
//     DittoFs on PostgreSQL (a private cluster) + S3 (s3rver), against ganesha over a folder on that disk)
//     --latency-seconds=S (default 5; 0 skips it: after each NFSv3 bench, one GETATTR at a time for S s, p50/p99 as getattr_1)
//     --rounds=N (default 3)  --connections=N (ditto-nfs bench --connections, default 1)
//     --bench-args="..." (ditto-nfs bench settings, default "-t 5 -s 256 -n 2000")
//   --shared-servers=true (off by default; needs PostgreSQL's server binaries and node: one against two DittoFs servers
//     on one PostgreSQL + S3 configuration, the small-file workload with the same total work, into shared-servers.md)
//     --shared-files=N (files per client of the two, default 1000; the one client gets 2N)  --rounds=N (default 3)
//     --shared-bench-args="..." (more ditto-nfs bench settings, e.g. "-d 8")
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

    if (Argument("curves", false))
    {
        // Issue 18's curves (the `curves` mode of tests/DittoFs.Benchmarks): it starts and stops the servers itself.
        DotNetBuild("src/DittoFs/DittoFs.csproj", new DotNetBuildSettings { Configuration = "Release" });
        DotNetBuild("tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj", new DotNetBuildSettings { Configuration = "Release" });
        DotNetRun("tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj",
            new ProcessArgumentBuilder().Append("curves")
                .Append("--server").AppendQuoted(server.FullPath)
                .Append("--tool").AppendQuoted(MakeAbsolute(File("tools/DittoFs.Tools.Nfs/bin/Release/net10.0/ditto-nfs.dll")).FullPath)
                .Append("--output").AppendQuoted(output.FullPath)
                .Append("--stores").AppendQuoted(Argument("curves-stores", "memory,rocksdb"))
                .Append("--files").AppendQuoted(Argument("curves-files", "10000,100000,1000000"))
                .Append("--directory-entries").AppendQuoted(Argument("curves-directory-entries", "100000,1000000"))
                .Append("--connections").AppendQuoted(Argument("curves-connections", "1,4,16,64"))
                .Append("--sample").Append(Argument("curves-sample", 5000).ToString())
                .Append("--seconds").Append(Argument("curves-seconds", 5).ToString())
                .Append("--s3-size").Append(Argument("curves-s3-size", 1024).ToString()),
            new DotNetRunSettings { Configuration = "Release" });
    }

    if (Argument("shared-servers", false))
        RunSharedServersComparison(output);

    var comparePath = Argument("compare", "");
    var peerRun = Argument("peer", comparePath == "" ? "ganesha" : "none");
    if (peerRun == "ganesha")
        RunGaneshaPeer(output);
    else if (peerRun != "none")
        throw new Exception($"--peer={peerRun}: the peer run knows 'ganesha' (the default without --compare) and 'none'.");
    if (comparePath == "")
    {
        Information($"Results in {output}.");
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
        int port = FreePort();
        var data = output.Combine($"data-{peer}");
        var process = StartComparedDittoFs(peer, output, data, port);
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

// DittoFs (Release) as shipped, for a comparison with ganesha on one store kind: metrics on (their own port), the
// portmapper off (ganesha's rpcbind is another), on a fresh store: ram, in-memory stores (bench-memory.yaml in
// folder); disk, the embedded default configuration (RocksDB metadata and file-system content under data, on disk).
// No grace period either way: a first start with no NFSv4 client recorded has none.
IProcess StartComparedDittoFs(string kind, DirectoryPath folder, DirectoryPath data, int port)
{
    var server = MakeAbsolute(File("src/DittoFs/bin/Release/net10.0/linux-x64/dittofs.dll"));
    int metricsPort = FreePort();
    string arguments;
    if (kind == "ram")
    {
        var config = folder.CombineWithFilePath("bench-memory.yaml");
        WriteMemoryConfig(config, "DittoFs on in-memory stores, compared with ganesha over tmpfs", $"""
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
        EnsureDirectoryExists(data);
        arguments = $"\"{server}\" --data-dir \"{data}\" --port {port} --metrics-port {metricsPort} --portmap false --log-level WARN";
    }
    return StartAndReturnProcess("dotnet", new ProcessSettings { Arguments = arguments });
}

// One against two DittoFs servers on one postgres + S3 configuration (--shared-servers=true): the small-file workload
// (`ditto-nfs bench small_files`: create + 4 KiB write, stat, listing, remove) with the same total work either way:
// one client on server A with 2N files over 2 connections, or two clients at once, one per server, N files over one
// connection each (so as many calls in flight: 2 x depth). Each client works in a directory of its own; the sides
// alternate which goes first each round. The two clients' rates are summed (their phases run side by side); the
// medians go to shared-servers.md with the ratio two/one.
void RunSharedServersComparison(DirectoryPath output)
{
    int rounds = Argument("rounds", 3), files = Argument("shared-files", 1000);
    if (rounds < 1 || files < 1)
        throw new Exception($"--rounds={rounds} --shared-files={files}: give at least 1 round and 1 file.");
    var benchArguments = Argument("shared-bench-args", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
    BuildBenchTools();
    var work = output.Combine("shared-servers");
    EnsureDirectoryExists(work);
    var report = new System.Text.StringBuilder();
    report.AppendLine("# One and two DittoFs servers on one PostgreSQL + S3 configuration: small files").AppendLine();
    report.AppendLine($"- started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC on {Environment.ProcessorCount} cores, load average {LoadAverage()} (1, 5, 15 min)");
    report.AppendLine($"- one server: one `ditto-nfs bench small_files -n {2 * files} --connections 2`; two servers: two at once, `-n {files} --connections 1` each, one per server (extra bench arguments: `{string.Join(' ', benchArguments)}`); {rounds} round(s), medians; the two clients' rates summed");
    // (side, figure) -> one value per round
    var figures = new Dictionary<(string Side, string Figure), List<double>>();
    var failures = new List<string>();
    var raw = work.CombineWithFilePath("bench.txt");
    var servers = StartSharedServers(work, 2);
    try
    {
        string Url(int server, string directory) =>
            $"nfs://127.0.0.1/export/{directory}?version=3&nfsport={servers.Ports[server]}&mountport={servers.Ports[server]}";
        for (int round = 1; round <= rounds; round++)
        {
            string[] sides = round % 2 == 1 ? ["one", "two"] : ["two", "one"];
            foreach (var side in sides)
            {
                Information($"shared servers round {round}: {side} server(s)");
                var clients = side == "one"
                    ? new[] { (Server: 0, Directory: $"one-{round}", Files: 2 * files, Connections: 2) }
                    : new[] { (Server: 0, Directory: $"a-{round}", Files: files, Connections: 1), (Server: 1, Directory: $"b-{round}", Files: files, Connections: 1) };
                foreach (var client in clients)
                    Run("dotnet", $"\"{MakeAbsolute(File("tools/DittoFs.Tools.Nfs/bin/Release/net10.0/ditto-nfs.dll"))}\" mkdir \"{Url(client.Server, client.Directory)}\"");
                var runs = clients.Select(client => System.Threading.Tasks.Task.Run(() => RunBench(
                    [.. benchArguments, "-n", client.Files.ToString(), "--connections", client.Connections.ToString(), Url(client.Server, client.Directory), "small_files"]))).ToArray();
                System.Threading.Tasks.Task.WaitAll(runs);
                var sums = new Dictionary<string, double>();
                foreach (var (run, client) in runs.Select(run => run.Result).Zip(clients))
                {
                    System.IO.File.AppendAllText(raw.FullPath, string.Concat(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                        .Select(line => $"side={side} server={client.Server} round={round} {line}\n")) + (run.Error == "" ? "" : $"# {side} server {client.Server} round {round} stderr:\n{run.Error}\n"));
                    if (run.ExitCode != 0)
                        failures.Add($"{side}, server {client.Server}, round {round}: exit code {run.ExitCode}: {run.Error.Trim().Split('\n').FirstOrDefault()}");
                    foreach (var (_, figure, value) in BenchFigures(run.Output))
                        sums[figure] = sums.GetValueOrDefault(figure) + value;
                }
                foreach (var (figure, value) in sums)
                {
                    if (!figures.TryGetValue((side, figure), out var values))
                        figures[(side, figure)] = values = new List<double>();
                    values.Add(value);
                }
            }
        }
    }
    finally
    {
        StopSharedServers(servers);
    }
    double Median(string side, string figure)
    {
        var sorted = figures.GetValueOrDefault((side, figure), new List<double>()).OrderBy(value => value).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
    report.AppendLine().AppendLine("| figure | one server | two servers | two / one |").AppendLine("|---|---:|---:|---:|");
    foreach (var figure in figures.Keys.Select(key => key.Figure).Distinct())
    {
        double one = Median("one", figure), two = Median("two", figure);
        report.AppendLine($"| {figure} | {one:0} | {two:0} | {two / one:0.00} |");
    }
    report.AppendLine().AppendLine($"- finished {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {LoadAverage()}");
    foreach (var failure in failures)
        report.AppendLine($"- failed: {failure}");
    var result = output.CombineWithFilePath("shared-servers.md");
    System.IO.File.WriteAllText(result.FullPath, report.ToString());
    Information(report.ToString());
    if (failures.Count > 0)
        throw new Exception($"{failures.Count} bench run(s) failed: see {result}.");
}

// The peer run (--peer=ganesha): `ditto-nfs bench` over NFSv3 and over NFSv4.1 against DittoFs (Release) and against
// nfs-ganesha (Debian's, FSAL_VFS), both started here on this machine and stopped here, on matching stores: DittoFs on
// in-memory stores against ganesha over a tmpfs folder (ram), DittoFs on RocksDB + files against ganesha over a folder,
// both under benchmark_results/ on the same disk (disk). Each round runs both versions on both servers, the side that
// goes first alternating from round to round; compare.md gets the medians. Needs root (apt, and ganesha's FSAL_VFS
// opens files by handle).
void RunGaneshaPeer(DirectoryPath output)
{
    if (!IsRunningOnLinux() || Environment.UserName != "root")
        throw new Exception("--peer=ganesha needs Linux and root (apt installs nfs-ganesha; its FSAL_VFS opens files by handle); --peer=none skips it.");
    if (!FileExists("/usr/bin/ganesha.nfsd") || !GetFiles("/usr/lib/*/ganesha/libfsalvfs.so").Any() || !FileExists("/usr/sbin/rpcbind"))
    {
        Information("Installing nfs-ganesha, nfs-ganesha-vfs and rpcbind (apt)...");
        Run("bash", "-c \"apt-get -o DPkg::Lock::Timeout=600 install -y -qq nfs-ganesha nfs-ganesha-vfs rpcbind >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq nfs-ganesha nfs-ganesha-vfs rpcbind >/dev/null)\"");
    }
    var settings = new PeerSettings(
        Rounds: Argument("rounds", 3),
        BenchArguments: Argument("bench-args", "-t 5 -s 256 -n 2000").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        Connections: Argument("connections", 1),
        LatencySeconds: Argument("latency-seconds", 5.0));
    if (settings.Rounds < 1)
        throw new Exception($"--rounds={settings.Rounds}: give at least 1 round.");
    var stores = Argument("peer-stores", "ram").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    foreach (var kind in stores.Where(kind => kind is not ("ram" or "disk" or "pg")))
        throw new Exception($"--peer-stores={kind}: valid are ram (in-memory stores vs tmpfs), disk (RocksDB + files vs a folder on disk), pg (PostgreSQL + S3 vs a folder on disk), or a list of them: ram,disk,pg.");
    BuildBenchTools();

    var report = new System.Text.StringBuilder();
    report.AppendLine("# DittoFs and nfs-ganesha: `ditto-nfs bench` over NFSv3 and NFSv4.1").AppendLine();
    report.AppendLine($"- started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC on {Environment.ProcessorCount} cores, load average {LoadAverage()} (1, 5, 15 min)");
    report.AppendLine($"- nfs-ganesha {Capture("dpkg-query", "-W -f=${Version} nfs-ganesha")} (FSAL_VFS); DittoFs Release from this tree");
    report.AppendLine($"- `ditto-nfs bench {string.Join(' ', settings.BenchArguments)} --connections {settings.Connections}`; {settings.Rounds} round(s), the medians below; the side that runs first alternates each round");
    report.AppendLine("- ratio: DittoFs / ganesha for rates, ganesha / DittoFs for latencies (`_us`): above 1, DittoFs is ahead. v4.1/v3: DittoFs's NFSv4.1 figure against its NFSv3 one, the same way round");
    var failures = new List<string>();
    foreach (var kind in stores)
        report.Append(RunPeerStores(output, kind, settings, failures));
    report.AppendLine().AppendLine($"- finished {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {LoadAverage()}");
    if (failures.Count > 0)
    {
        report.AppendLine().AppendLine("## Failed runs").AppendLine();
        foreach (var failure in failures)
            report.AppendLine($"- {failure}");
    }
    var compareMd = output.CombineWithFilePath("compare.md");
    System.IO.File.WriteAllText(compareMd.FullPath, report.ToString());
    Information(report.ToString());
    if (failures.Count > 0)
        throw new Exception($"{failures.Count} bench run(s) failed: see {compareMd}.");
}

record PeerSettings(int Rounds, string[] BenchArguments, int Connections, double LatencySeconds);

// The server, ditto-nfs and the benchmark program (its shared-servers and getattr-latency modes), Release.
void BuildBenchTools()
{
    foreach (var project in new[] { "src/DittoFs/DittoFs.csproj", "tools/DittoFs.Tools.Nfs/DittoFs.Tools.Nfs.csproj", "tests/DittoFs.Benchmarks/DittoFs.Benchmarks.csproj" })
        DotNetBuild(project, new DotNetBuildSettings { Configuration = "Release" });
}

string BenchmarksDll => MakeAbsolute(File("tests/DittoFs.Benchmarks/bin/Release/net10.0/DittoFs.Benchmarks.dll")).FullPath;

// The postgres + S3 configuration: the benchmark program's shared-servers mode (a private PostgreSQL cluster and an
// s3rver started with the tests' harnesses, then COUNT dittofs processes on one configuration of both), running
// until its standard input is closed (StopSharedServers), which stops everything it started.
record SharedServers(System.Diagnostics.Process Process, int[] Ports);

SharedServers StartSharedServers(DirectoryPath folder, int count)
{
    var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var argument in new[] { BenchmarksDll, "shared-servers", "--server", MakeAbsolute(File("src/DittoFs/bin/Release/net10.0/linux-x64/dittofs.dll")).FullPath,
        "--folder", folder.FullPath, "--servers", count.ToString() })
        start.ArgumentList.Add(argument);
    var process = System.Diagnostics.Process.Start(start)!;
    string line;
    while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("ports="))
        Information(line);
    if (line is null)
    {
        process.WaitForExit();
        throw new Exception($"shared-servers exited with {process.ExitCode} before its servers answered (its errors are above).");
    }
    _ = process.StandardOutput.ReadToEndAsync();
    return new SharedServers(process, line["ports=".Length..].Split(',').Select(int.Parse).ToArray());
}

void StopSharedServers(SharedServers servers)
{
    servers.Process.StandardInput.Close();
    if (!servers.Process.WaitForExit(180_000))
        servers.Process.Kill(entireProcessTree: true);
    servers.Process.WaitForExit();
}

// One store kind: ganesha and DittoFs started, the rounds run, both stopped (also on failure); the kind's tables.
string RunPeerStores(DirectoryPath output, string kind, PeerSettings settings, List<string> failures)
{
    var work = output.Combine($"peer-{kind}");
    EnsureDirectoryExists(work);
    // ram: ganesha over tmpfs, as DittoFs's in-memory stores; disk and pg: ganesha on the disk benchmark_results/ is on
    // (with DittoFs's RocksDB + files there for disk; PostgreSQL in a temporary folder and s3rver under work/ for pg).
    string ganeshaData = kind == "ram" ? $"/dev/shm/dittofs-peer-{Guid.NewGuid():N}" : work.Combine("ganesha-export").FullPath;
    var dittoData = work.Combine("dittofs-data");
    EnsureDirectoryExists(ganeshaData);
    EnsureDirectoryExists(work.Combine("ganesha-recovery"));
    int port = FreePort(), ganeshaPort = FreePort(), ganeshaMountPort = FreePort();
    System.Diagnostics.Process ganesha = null, rpcbind = null;
    IProcess dittofs = null;
    SharedServers shared = null;
    try
    {
        var config = work.CombineWithFilePath("ganesha.conf");
        var log = work.CombineWithFilePath("ganesha.log");
        // NFSv3 and NFSv4 on one port; no NLM, RQUOTA or UDP; no grace period, so v4 OPENs work from the start.
        System.IO.File.WriteAllText(config.FullPath, $$"""
            NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = {{ganeshaPort}}; MNT_Port = {{ganeshaMountPort}}; NLM_Port = {{FreePort()}}; Rquota_Port = {{FreePort()}};
              Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; Bind_Addr = 127.0.0.1; }
            NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = {{work.Combine("ganesha-recovery").FullPath}}; }
            NFS_KRB5 { Active_krb5 = false; }
            EXPORT { Export_Id = 1; Path = {{ganeshaData}}; Pseudo = /export; Protocols = 3, 4; Transports = TCP;
              Access_Type = RW; Squash = No_Root_Squash; SecType = sys; FSAL { Name = VFS; } }

            """);
        // ganesha registers with the portmapper as it starts and fails without one; the bench names ports and never asks it.
        if (Capture("bash", "-c \"pgrep -x rpcbind || true\"") == "")
        {
            EnsureDirectoryExists("/run/rpcbind");
            rpcbind = System.Diagnostics.Process.Start("rpcbind", "-f");
            System.Threading.Thread.Sleep(500);
        }
        ganesha = System.Diagnostics.Process.Start("ganesha.nfsd", $"-F -f \"{config}\" -L \"{log}\" -p \"{work.CombineWithFilePath("ganesha.pid")}\" -N NIV_EVENT");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!(FileExists(log) && System.IO.File.ReadAllText(log.FullPath).Contains("NFS SERVER INITIALIZED")))
        {
            if (ganesha.HasExited || DateTime.UtcNow > deadline)
                throw new Exception($"ganesha did not start (see {log}).");
            System.Threading.Thread.Sleep(200);
        }

        if (kind == "pg")
        {
            shared = StartSharedServers(work, 1);
            port = shared.Ports[0];
        }
        else
        {
            dittofs = StartComparedDittoFs(kind, work, dittoData, port);
            WaitForPort(port, TimeSpan.FromSeconds(60));
        }

        var urls = new Dictionary<(string Side, string Version), string>
        {
            [("DittoFs", "3")] = $"nfs://127.0.0.1/export?version=3&nfsport={port}&mountport={port}",
            [("DittoFs", "4.1")] = $"nfs://127.0.0.1/export?version=4.1&nfsport={port}",
            [("ganesha", "3")] = $"nfs://127.0.0.1{ganeshaData}?version=3&nfsport={ganeshaPort}&mountport={ganeshaMountPort}",
            [("ganesha", "4.1")] = $"nfs://127.0.0.1/export?version=4.1&nfsport={ganeshaPort}",
        };
        // (side, version, workload, figure) -> one value per round
        var figures = new Dictionary<(string Side, string Version, string Workload, string Figure), List<double>>();
        var rows = new List<(string Workload, string Figure)>();
        var raw = work.CombineWithFilePath("bench.txt");
        for (int round = 1; round <= settings.Rounds; round++)
        {
            string[] sides = round % 2 == 1 ? ["DittoFs", "ganesha"] : ["ganesha", "DittoFs"];
            foreach (var version in new[] { "3", "4.1" })
            foreach (var side in sides)
            {
                Information($"{kind} round {round}: {side} NFSv{version}");
                var (exitCode, stdout, stderr) = RunBench([.. settings.BenchArguments, "--connections", settings.Connections.ToString(), urls[(side, version)]]);
                if (version == "3" && settings.LatencySeconds > 0)
                {
                    // One GETATTR at a time: the latency of the store's path, without the bench's queue (getattr_1).
                    var (latencyExit, latency, latencyErrors) = side == "DittoFs"
                        ? RunBenchmarks("getattr-latency", "--port", port.ToString(), "--seconds", Invariant(settings.LatencySeconds))
                        : RunBenchmarks("getattr-latency", "--port", ganeshaPort.ToString(), "--mount-port", ganeshaMountPort.ToString(), "--export", ganeshaData, "--seconds", Invariant(settings.LatencySeconds));
                    (exitCode, stdout, stderr) = (exitCode != 0 ? exitCode : latencyExit, stdout + latency, stderr + latencyErrors);
                }
                System.IO.File.AppendAllText(raw.FullPath, string.Concat(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => $"stores={kind} side={side} version={version} round={round} {line}\n")) + (stderr == "" ? "" : $"# {side} NFSv{version} round {round} stderr:\n{stderr}\n"));
                if (exitCode != 0)
                    failures.Add($"{kind}, {side}, NFSv{version}, round {round}: exit code {exitCode}: {stderr.Trim().Split('\n').FirstOrDefault()}");
                foreach (var (workload, figure, value) in BenchFigures(stdout))
                {
                    if (!rows.Contains((workload, figure)))
                        rows.Add((workload, figure));
                    var key = (side, version, workload, figure);
                    if (!figures.TryGetValue(key, out var values))
                        figures[key] = values = new List<double>();
                    values.Add(value);
                }
            }
        }
        return PeerTables(kind, rows, figures);
    }
    finally
    {
        if (ganesha is not null && !ganesha.HasExited)
        {
            // SIGTERM: ganesha unregisters and exits; killed if it does not within 20 s.
            StartProcess("kill", $"-TERM {ganesha.Id}");
            if (!ganesha.WaitForExit(20_000))
                ganesha.Kill();
            ganesha.WaitForExit();
        }
        if (dittofs is not null)
        {
            dittofs.Kill();
            dittofs.WaitForExit();
        }
        if (shared is not null)
            StopSharedServers(shared);
        if (rpcbind is not null && !rpcbind.HasExited)
        {
            rpcbind.Kill();
            rpcbind.WaitForExit();
        }
        foreach (var data in new[] { Directory(ganeshaData).Path, dittoData })
        {
            if (DirectoryExists(data))
                DeleteDirectory(data, new DeleteDirectorySettings { Recursive = true, Force = true });
        }
    }
}

// `ditto-nfs bench ARGUMENTS` (Release): exit code, stdout, stderr; killed after 30 minutes.
(int ExitCode, string Output, string Error) RunBench(string[] arguments) =>
    RunDotnet([MakeAbsolute(File("tools/DittoFs.Tools.Nfs/bin/Release/net10.0/ditto-nfs.dll")).FullPath, "bench", .. arguments]);

// A mode of the benchmark program (Release), as RunBench.
(int ExitCode, string Output, string Error) RunBenchmarks(params string[] arguments) => RunDotnet([BenchmarksDll, .. arguments]);

(int ExitCode, string Output, string Error) RunDotnet(string[] arguments)
{
    var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in arguments)
        start.ArgumentList.Add(argument);
    using var process = System.Diagnostics.Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    if (!process.WaitForExit(TimeSpan.FromMinutes(30)))
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (-1, stdout.Result, stderr.Result + "\n(killed after 30 minutes)");
    }
    process.WaitForExit();
    return (process.ExitCode, stdout.Result, stderr.Result);
}

// The figures of bench lines (`workload=NAME ... X_per_s=N ... Y_us=N`): rates and latencies, by workload.
IEnumerable<(string Workload, string Figure, double Value)> BenchFigures(string output)
{
    foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        var pairs = line.Trim().Split(' ').Select(pair => pair.Split('=', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1]);
        if (!pairs.TryGetValue("workload", out var workload))
            continue;
        foreach (var (figure, text) in pairs)
        {
            if (figure.EndsWith("_per_s") || figure.EndsWith("_us"))
                yield return (workload, figure, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

string Invariant(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

// One markdown table per NFS version: the medians of each side, DittoFs / ganesha (latencies the other way round),
// and in the NFSv4.1 table DittoFs's v4.1 figure against its v3 one.
string PeerTables(string kind, List<(string Workload, string Figure)> rows, Dictionary<(string Side, string Version, string Workload, string Figure), List<double>> figures)
{
    double Median(string side, string version, string workload, string figure)
    {
        if (!figures.TryGetValue((side, version, workload, figure), out var values) || values.Count == 0)
            return double.NaN;
        var sorted = values.OrderBy(value => value).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
    // Above 1 is better for the first: rates compare as they are, latencies inverted.
    double Ratio(string figure, double first, double second) =>
        first > 0 && second > 0 ? (figure.EndsWith("_us") ? second / first : first / second) : double.NaN;
    string Number(double value) => double.IsNaN(value) ? "-" : value.ToString(value >= 100 ? "0" : "0.0", System.Globalization.CultureInfo.InvariantCulture);
    string Times(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    var text = new System.Text.StringBuilder();
    text.AppendLine().AppendLine(kind switch
    {
        "ram" => "## In-memory stores: DittoFs (memory metadata and content) and ganesha (FSAL_VFS over tmpfs)",
        "disk" => "## On disk: DittoFs (RocksDB metadata, file-system content) and ganesha (FSAL_VFS over a folder), the same disk",
        _ => "## PostgreSQL + S3: DittoFs (postgres metadata, S3 content on s3rver; one server) and ganesha (FSAL_VFS over a folder on disk)",
    });
    foreach (var version in new[] { "3", "4.1" })
    {
        bool v41 = version == "4.1";
        text.AppendLine().AppendLine($"### NFSv{version}").AppendLine();
        text.AppendLine(v41 ? "| workload | figure | DittoFs | ganesha | ratio | DittoFs v4.1/v3 |" : "| workload | figure | DittoFs | ganesha | ratio |");
        text.AppendLine(v41 ? "|---|---|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|");
        foreach (var (workload, figure) in rows)
        {
            double ditto = Median("DittoFs", version, workload, figure), peer = Median("ganesha", version, workload, figure);
            if (!(ditto > 0) && !(peer > 0))
                continue; // e.g. getattr's mib_per_s
            text.Append($"| {workload} | {figure} | {Number(ditto)} | {Number(peer)} | {Times(Ratio(figure, ditto, peer))} |");
            if (v41)
                text.Append($" {Times(Ratio(figure, ditto, Median("DittoFs", "3", workload, figure)))} |");
            text.AppendLine();
        }
    }
    return text.ToString();
}

string LoadAverage() => string.Join(' ', System.IO.File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

// A command's standard output, trimmed.
string Capture(string tool, string arguments)
{
    StartProcess(tool, new ProcessSettings { Arguments = arguments, RedirectStandardOutput = true }, out var lines);
    return string.Join('\n', lines).Trim();
}

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
