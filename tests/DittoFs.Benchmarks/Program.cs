using BenchmarkDotNet.Running;
using DittoFs.Benchmarks;

// `locks --port PORT ...`: lock throughput over the wire against a running server (LockLoad). Anything else is
// BenchmarkDotNet's own arguments, passed through: --filter '*', --job short, --list flat.
if (args.Length > 0 && args[0] == "locks")
    return await LockLoad.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
