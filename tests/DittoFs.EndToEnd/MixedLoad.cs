using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The load of the reliability test: many connections, each with a fixed number of calls always outstanding
/// (lanes pipelining over one socket), a mixed workload in each connection's own directory: GETATTR, LOOKUP, READ,
/// UNSTABLE WRITE (overwriting in place, so the data set stays the same size), CREATE and REMOVE of short-lived
/// files, READDIRPLUS. Counts every call, its latency and every failure (a non-OK status or an exception).
/// </summary>
internal sealed class MixedLoad
{
    public const int FilesPerConnection = 8;
    public const int FileSize = 64 * 1024;

    private static readonly string[] Procedures = ["GETATTR", "LOOKUP", "READ", "WRITE", "CREATE", "REMOVE", "READDIRPLUS"];

    private readonly List<Connection> _connections = [];
    private readonly int _depth;

    private MixedLoad(int depth)
    {
        _depth = depth;
    }

    /// <summary>Calls completed so far, by second of the run (for throughput over time).</summary>
    public long[] CompletedBySecond { get; } = new long[3600];

    public IReadOnlyList<string> Failures => _connections.SelectMany(c => c.Failures).ToList();

    /// <summary>Connects and builds each connection's directory: <see cref="FilesPerConnection"/> files of <see cref="FileSize"/> bytes.</summary>
    public static async Task<MixedLoad> PrepareAsync(int port, int connections, int depth)
    {
        var load = new MixedLoad(depth);
        var random = new Random(17);
        for (int c = 0; c < connections; c++)
        {
            var session = await NfsSession.MountAsync(port, TimeSpan.FromSeconds(60));
            var made = await session.MkdirAsync(session.Root, $"load{c}");
            Expect(made.Status, "MKDIR");
            var directory = NfsSession.Copy(made.Resok.Obj.Handle);
            var files = new List<NfsFh3>();
            var setup = new List<Task>();
            for (int f = 0; f < FilesPerConnection; f++)
            {
                var created = await session.CreateAsync(directory, $"file{f}");
                Expect(created.Status, "CREATE");
                var handle = NfsSession.Copy(created.Resok.Obj.Handle);
                files.Add(handle);
                var data = new byte[FileSize];
                random.NextBytes(data);
                setup.Add(session.WriteAsync(handle, 0, data, StableHow.FileSync).AsTask().ContinueWith(t => Expect(t.Result.Status, "WRITE")));
            }
            await Task.WhenAll(setup);
            load._connections.Add(new Connection(session, directory, files, c));
        }
        return load;
    }

    /// <summary>Runs every connection's lanes until <paramref name="stop"/>; each lane keeps one call outstanding.</summary>
    public Task RunAsync(Stopwatch clock, CancellationToken stop) =>
        Task.WhenAll(_connections.SelectMany(connection => Enumerable.Range(0, _depth).Select(lane => Task.Run(() => connection.RunLaneAsync(lane, this, clock, stop)))));

    public long TotalCalls => _connections.Sum(c => c.Latencies.Sum(l => (long)l.Count));

    /// <summary>Latency percentiles in milliseconds over every call, and per procedure.</summary>
    public (double P50, double P99, double P999, double Max) Percentiles(string? procedure = null)
    {
        var all = _connections.SelectMany(c => procedure is null ? c.Latencies.SelectMany(l => l) : c.Latencies[Array.IndexOf(Procedures, procedure)]).ToArray();
        if (all.Length == 0)
            return default;
        Array.Sort(all);
        double At(double q) => all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return (At(0.50), At(0.99), At(0.999), all[^1] * 1000.0 / Stopwatch.Frequency);
    }

    public IEnumerable<(string Procedure, long Calls)> CallsByProcedure() =>
        Procedures.Select((p, i) => (p, _connections.Sum(c => (long)c.Latencies[i].Count)));

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
            await connection.Session.DisposeAsync();
    }

    private static void Expect(Nfsstat3 status, string procedure)
    {
        if (status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"{procedure} while preparing the load: {status}");
    }

    private sealed class Connection(NfsSession session, NfsFh3 directory, List<NfsFh3> files, int index)
    {
        private readonly Lock _gate = new();

        public NfsSession Session { get; } = session;
        public List<string> Failures { get; } = [];

        /// <summary>Per procedure, the latency of every call in Stopwatch ticks (one list per lane would avoid the lock; a lock per call is cheap next to a call).</summary>
        public List<long>[] Latencies { get; } = Procedures.Select(_ => new List<long>(1 << 16)).ToArray();

        public async Task RunLaneAsync(int lane, MixedLoad load, Stopwatch clock, CancellationToken stop)
        {
            var random = new Random(index * 1000 + lane);
            var payload = new byte[32 * 1024];
            random.NextBytes(payload);
            var temporary = new Queue<string>();
            int next = 0;
            while (!stop.IsCancellationRequested)
            {
                int roll = random.Next(100);
                int procedure = roll < 25 ? 0 : roll < 45 ? 1 : roll < 65 ? 2 : roll < 80 ? 3 : roll < 87 ? 4 : roll < 94 ? 5 : 6;
                if (procedure == 5 && temporary.Count == 0)
                    procedure = 4;
                if (procedure == 4 && temporary.Count >= 2)
                    procedure = 5;
                long started = Stopwatch.GetTimestamp();
                Nfsstat3 status;
                try
                {
                    status = await CallAsync(procedure, lane, random, payload, temporary, ref next);
                }
                catch (Exception exception) when (exception is IOException or TimeoutException or RpcException)
                {
                    Fail($"{Procedures[procedure]} on connection {index}: {exception.GetType().Name}: {exception.Message}");
                    return;
                }
                long elapsed = Stopwatch.GetTimestamp() - started;
                if (status != Nfsstat3.Nfs3Ok)
                    Fail($"{Procedures[procedure]} on connection {index}: {status}");
                lock (_gate)
                    Latencies[procedure].Add(elapsed);
                Interlocked.Increment(ref load.CompletedBySecond[Math.Min(load.CompletedBySecond.Length - 1, (int)clock.Elapsed.TotalSeconds)]);
            }
        }

        private ValueTask<Nfsstat3> CallAsync(int procedure, int lane, Random random, byte[] payload, Queue<string> temporary, ref int next)
        {
            var file = files[random.Next(files.Count)];
            switch (procedure)
            {
                case 0:
                    return Status(Session.Nfs.GetattrAsync(new Getattr3Args { Object = file }), r => r.Status);
                case 1:
                    return Status(Session.LookupAsync(directory, $"file{random.Next(FilesPerConnection)}"), r => r.Status);
                case 2:
                    return Status(Session.ReadAsync(file, (ulong)random.Next(FileSize / 2), (uint)(4096 << random.Next(4))), r => r.Status);
                case 3:
                    int length = 4096 << random.Next(4);
                    return Status(Session.WriteAsync(file, (ulong)random.Next(FileSize - length + 1), payload.AsMemory(0, length), StableHow.Unstable), r => r.Status);
                case 4:
                    string name = $"t{lane}-{next++}";
                    temporary.Enqueue(name);
                    return Status(Session.CreateAsync(directory, name), r => r.Status);
                case 5:
                    return Status(Session.RemoveAsync(directory, temporary.Dequeue()), r => r.Status);
                default:
                    return Status(Session.Nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookie = 0, Cookieverf = new byte[8], Dircount = 4096, Maxcount = 16 * 1024 }), r => r.Status);
            }
        }

        private static async ValueTask<Nfsstat3> Status<T>(ValueTask<T> call, Func<T, Nfsstat3> status) => status(await call);

        private void Fail(string failure)
        {
            lock (_gate)
            {
                if (Failures.Count < 20)
                    Failures.Add(failure);
            }
        }
    }
}
