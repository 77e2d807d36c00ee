using System.Diagnostics;
using System.Globalization;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Benchmarks;

/// <summary>
/// The latency of one GETATTR on its own (the <c>getattr-latency</c> mode): MOUNT, then GETATTR of the share's root
/// over NFSv3/TCP, one call in flight, for a warm-up and then <c>--seconds</c>, each call timed. One line in the
/// bench's format: <c>workload=getattr_1 calls=N p50_us=X p99_us=Y errors=0</c>. <c>ditto-nfs bench getattr</c>
/// keeps 4 × depth calls in flight and its percentiles include their queueing; this is the store's and the
/// server's path alone, as a metadata store's "GETATTR latency" is usually quoted.
/// <para>
/// <c>getattr-latency --port PORT [--mount-port PORT] [--export /export] [--seconds 5]</c> (the mount port is the
/// NFS port unless given: DittoFs serves MOUNT on its NFS port; ganesha does not).
/// </para>
/// </summary>
internal static class GetattrLatency
{
    public const string Usage = "usage: getattr-latency --port PORT [--mount-port PORT] [--export /export] [--seconds 5]";

    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(string[] args)
    {
        int port, mountPort;
        string export;
        TimeSpan duration;
        try
        {
            var values = ModeArguments.Parse(args);
            foreach (string name in values.Keys.Where(name => name is not ("port" or "mount-port" or "export" or "seconds")))
                throw new ArgumentException($"unknown option --{name}");
            port = PortOption(values, "port") ?? throw new ArgumentException("--port PORT is required");
            mountPort = PortOption(values, "mount-port") ?? port;
            export = values.GetValueOrDefault("export", "/export");
            double seconds = 5;
            if (values.TryGetValue("seconds", out string? text) && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || seconds is <= 0 or > 3600))
                throw new ArgumentException($"--seconds {text}: give a number of seconds above 0, at most 3600");
            duration = TimeSpan.FromSeconds(seconds);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"getattr-latency: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        NfsFh3 root;
        await using (var mount = await RpcClient.ConnectAsync("127.0.0.1", mountPort, Nfs3Calls.ClientOptions("getattr-latency")))
            root = await Nfs3Calls.MountAsync(mount, export);
        await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, Nfs3Calls.ClientOptions("getattr-latency"));
        var nfs = new NfsV3Client(rpc);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Warmup)
            await Nfs3Calls.GetattrAsync(nfs, root);
        var ticks = new List<long>(1 << 16);
        clock.Restart();
        while (clock.Elapsed < duration)
        {
            long start = Stopwatch.GetTimestamp();
            await Nfs3Calls.GetattrAsync(nfs, root);
            ticks.Add(Stopwatch.GetTimestamp() - start);
        }
        ticks.Sort();
        double Microseconds(double quantile) => Percentile(ticks, quantile) * 1e6 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"workload=getattr_1 calls={ticks.Count} ops_per_s={ticks.Count / clock.Elapsed.TotalSeconds:0} p50_us={Microseconds(0.50):0} p99_us={Microseconds(0.99):0} errors=0"));
        return 0;
    }

    /// <summary>The nearest-rank percentile of sorted values: the smallest value at or above <paramref name="quantile"/> of them.</summary>
    public static long Percentile(IReadOnlyList<long> sorted, double quantile)
    {
        if (sorted.Count == 0)
            throw new ArgumentException("no values", nameof(sorted));
        int rank = (int)Math.Ceiling(quantile * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static int? PortOption(Dictionary<string, string> values, string name) =>
        !values.TryGetValue(name, out string? text) ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536 ? port
        : throw new ArgumentException($"--{name} {text}: give a port number from 1 to 65535");
}
