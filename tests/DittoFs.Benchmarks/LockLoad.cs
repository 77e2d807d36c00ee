using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Benchmarks;

/// <summary>
/// Lock throughput over the wire (the <c>locks</c> mode of this program): uncontended NLM v4 LOCK (exclusive,
/// non-blocking) + UNLOCK pairs against a running server, through the generated <see cref="NlmV4Client"/> over TCP.
/// First one connection calling in sequence, then <c>--clients</c> clients at once, each on its own connection with
/// its own caller name, owner and byte range of one file, so no two ever conflict. Each phase runs a warm-up, then
/// counts the pairs completed in a fixed window. Every reply must be NLM4_GRANTED: the count of the others is
/// reported, and any makes the run fail (a server still in its grace period answers DENIED_GRACE_PERIOD).
/// <para>
/// <c>dotnet run -c Release --project tests/DittoFs.Benchmarks -- locks --port PORT [--host 127.0.0.1]
/// [--export /export] [--clients 64] [--warmup 2] [--seconds 10] [--output DIR]</c>; <c>dotnet cake --target=Bench</c>
/// starts a server on in-memory stores and runs it.
/// </para>
/// </summary>
internal static class LockLoad
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private sealed record Options(string Host, int Port, string Export, int Clients, TimeSpan Warmup, TimeSpan Duration, string? Output);

    /// <summary>One phase's outcome: pairs counted in the measured window, and every non-granted reply of the phase.</summary>
    private sealed record Phase(string Name, int Connections, long Pairs, double Seconds, long NotGranted)
    {
        public double PairsPerSecond => Pairs / Seconds;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"locks: {e.Message}");
            Console.Error.WriteLine("usage: locks --port PORT [--host 127.0.0.1] [--export /export] [--clients 64] [--warmup 2] [--seconds 10] [--output DIR]");
            return 2;
        }
        string loadBefore = LoadAverage();
        byte[] file = await CreateFileAsync(options);
        Console.WriteLine($"NLM v4 LOCK+UNLOCK pairs against {options.Host}:{options.Port}{options.Export}, {options.Warmup.TotalSeconds:0.#} s warm-up, {options.Duration.TotalSeconds:0.#} s measured");
        var phases = new List<Phase>
        {
            await RunPhaseAsync("one connection", 1, file, options),
            await RunPhaseAsync($"{options.Clients} clients", options.Clients, file, options),
        };
        string loadAfter = LoadAverage();

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# NLM v4 LOCK (exclusive, non-blocking) + UNLOCK, uncontended, over TCP to {options.Host}:{options.Port}");
        report.AppendLine(CultureInfo.InvariantCulture, $"# warm-up {options.Warmup.TotalSeconds:0.#} s, measured {options.Duration.TotalSeconds:0.#} s per phase; load average before: {loadBefore}; after: {loadAfter}; {Environment.ProcessorCount} cores");
        report.AppendLine("phase            connections      pairs   seconds    pairs/s  not granted");
        foreach (var phase in phases)
            report.AppendLine(CultureInfo.InvariantCulture, $"{phase.Name,-16} {phase.Connections,11} {phase.Pairs,10} {phase.Seconds,9:0.00} {phase.PairsPerSecond,10:0} {phase.NotGranted,12}");
        Console.Write(report);
        if (options.Output is not null)
        {
            Directory.CreateDirectory(options.Output);
            await File.WriteAllTextAsync(Path.Combine(options.Output, "locks.txt"), report.ToString());
            await File.WriteAllTextAsync(Path.Combine(options.Output, "locks.json"), JsonSerializer.Serialize(new
            {
                host = options.Host,
                port = options.Port,
                warmupSeconds = options.Warmup.TotalSeconds,
                measuredSeconds = options.Duration.TotalSeconds,
                loadAverageBefore = loadBefore,
                loadAverageAfter = loadAfter,
                processorCount = Environment.ProcessorCount,
                phases = phases.Select(p => new { name = p.Name, connections = p.Connections, pairs = p.Pairs, seconds = p.Seconds, pairsPerSecond = p.PairsPerSecond, notGranted = p.NotGranted }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"Written to {Path.Combine(options.Output, "locks.txt")} and locks.json");
        }
        long notGranted = phases.Sum(p => p.NotGranted);
        if (notGranted > 0)
        {
            Console.Error.WriteLine($"locks: {notGranted} replies were not NLM4_GRANTED (is the server in its grace period? locks.grace_period: 0s)");
            return 1;
        }
        return 0;
    }

    private static Options Parse(string[] args)
    {
        var values = ModeArguments.Parse(args);
        string Take(string name, string fallback)
        {
            string value = values.Remove(name, out var given) ? given : fallback;
            return value;
        }
        int port = int.Parse(Take("port", "0"), CultureInfo.InvariantCulture);
        if (port <= 0)
            throw new ArgumentException("--port is required");
        var options = new Options(
            Take("host", "127.0.0.1"),
            port,
            Take("export", "/export"),
            int.Parse(Take("clients", "64"), CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Take("warmup", "2"), CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(double.Parse(Take("seconds", "10"), CultureInfo.InvariantCulture)),
            values.Remove("output", out var output) ? output : null);
        if (values.Count > 0)
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        if (options.Clients < 1 || options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
            throw new ArgumentException("--clients must be at least 1, --seconds above 0, --warmup not negative");
        return options;
    }

    private static RpcClientOptions ClientOptions(string machine) => new()
    {
        Credential = RpcCredential.AuthSys(0, 0, machineName: machine),
        CallTimeout = CallTimeout,
    };

    /// <summary>MOUNT the export and CREATE a file of its own to lock; its handle.</summary>
    private static async Task<byte[]> CreateFileAsync(Options options)
    {
        await using var rpc = await RpcClient.ConnectAsync(options.Host, options.Port, ClientOptions("dittofs-bench"));
        var mounted = await new MountV3Client(rpc).MntAsync(Encoding.UTF8.GetBytes(options.Export));
        if (mounted.FhsStatus != Mountstat3.Mnt3Ok)
            throw new InvalidOperationException($"MOUNT {options.Export}: {mounted.FhsStatus}");
        var created = await new NfsV3Client(rpc).CreateAsync(new Create3Args
        {
            Where = new Diropargs3
            {
                Dir = new NfsFh3 { Data = mounted.Mountinfo.Fhandle.ToArray() },
                Name = Encoding.UTF8.GetBytes($"lock-bench-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}"),
            },
            How = new Createhow3 { Mode = Createmode3.Unchecked },
        });
        if (created.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"CREATE: {created.Status}");
        return created.Resok.Obj.Handle.Data.ToArray();
    }

    private static async Task<Phase> RunPhaseAsync(string name, int connections, byte[] file, Options options)
    {
        // Connect every client first: the clock starts with all of them ready.
        var clients = new RpcClient[connections];
        try
        {
            for (int i = 0; i < connections; i++)
                clients[i] = await RpcClient.ConnectAsync(options.Host, options.Port, ClientOptions($"bench-{connections}-{i}"));
            var clock = Stopwatch.StartNew();
            long measureFrom = (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
            long measureUntil = measureFrom + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
            var workers = new Task<(long Pairs, long NotGranted)>[connections];
            for (int i = 0; i < connections; i++)
                workers[i] = LockUnlockAsync(new NlmV4Client(clients[i]), Owner(file, connections, i), clock, measureFrom, measureUntil);
            var results = await Task.WhenAll(workers);
            var phase = new Phase(name, connections, results.Sum(r => r.Pairs), options.Duration.TotalSeconds, results.Sum(r => r.NotGranted));
            Console.WriteLine($"  {name}: {phase.PairsPerSecond:0} pairs/s, {phase.NotGranted} not granted");
            return phase;
        }
        finally
        {
            foreach (var client in clients)
            {
                if (client is not null)
                    await client.DisposeAsync();
            }
        }
    }

    /// <summary>Client <paramref name="index"/>'s own caller name, owner handle, svid and 100-byte range.</summary>
    private static Nlm4Lock Owner(byte[] file, int connections, int index) => new()
    {
        CallerName = Encoding.UTF8.GetBytes($"bench-{connections}-{index}"),
        Fh = file,
        Oh = Encoding.UTF8.GetBytes($"bench-{connections}-{index}/{index + 1}"),
        Svid = index + 1,
        LOffset = (ulong)index * 1000,
        LLen = 100,
    };

    /// <summary>LOCK + UNLOCK until the window closes; the pairs finished inside the window and the non-granted replies.</summary>
    private static async Task<(long Pairs, long NotGranted)> LockUnlockAsync(NlmV4Client nlm, Nlm4Lock owner, Stopwatch clock, long measureFrom, long measureUntil)
    {
        await Task.Yield();
        var lockArgs = new Nlm4Lockargs { Cookie = new byte[8], Block = false, Exclusive = true, Alock = owner, Reclaim = false, State = 0 };
        var unlockArgs = new Nlm4Unlockargs { Cookie = new byte[8], Alock = owner };
        long pairs = 0, notGranted = 0;
        while (true)
        {
            long started = clock.ElapsedTicks;
            if (started >= measureUntil)
                break;
            if ((await nlm.LockAsync(lockArgs)).Stat.Stat != Nlm4Stats.Nlm4Granted)
                notGranted++;
            if ((await nlm.UnlockAsync(unlockArgs)).Stat.Stat != Nlm4Stats.Nlm4Granted)
                notGranted++;
            long finished = clock.ElapsedTicks;
            if (finished >= measureFrom && finished < measureUntil)
                pairs++;
        }
        return (pairs, notGranted);
    }

    /// <summary>The 1, 5 and 15 minute load averages, as uptime shows them.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
