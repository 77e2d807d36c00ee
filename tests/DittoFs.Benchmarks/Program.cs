using BenchmarkDotNet.Running;
using DittoFs.Benchmarks;

// `locks --port PORT ...`: lock throughput over the wire against a running server (LockLoad).
// `smallfiles --port PORT --pid PID ...`: the server's memory per small file, and after their removal (SmallFilesMemory).
// `loop METHOD SECONDS`: one ServerCallBenchmarks method in a loop, for a profiler (dotnet-trace) to sample.
// `curves --server DLL --tool DLL --output DIR ...`: issue 18's curves over a server it starts itself (Curves/CurvesRun).
// `shared-servers --server DLL --folder DIR --servers N`: PostgreSQL + s3rver + N servers on them, held until stdin closes (SharedServers/).
// `getattr-latency --port PORT ...`: one GETATTR at a time against a running server, p50 and p99 (GetattrLatency).
// `storereads --path DIR ...`: a RocksDB store's LOOKUP and GETATTR costs as it grows, in process (StoreReads).
// Anything else is BenchmarkDotNet's own arguments, passed through: --filter '*', --job short, --list flat.
if (args.Length > 0 && args[0] == "locks")
    return await LockLoad.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "smallfiles")
    return await SmallFilesMemory.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "loop")
    return ServerCallBenchmarks.Loop(args[1], TimeSpan.FromSeconds(double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)));
if (args.Length > 0 && args[0] == "curves")
    return await DittoFs.Benchmarks.Curves.CurvesRun.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "shared-servers")
    return await DittoFs.Benchmarks.SharedServers.SharedServersRun.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "getattr-latency")
    return await GetattrLatency.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "storereads")
    return await StoreReads.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
