using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using DittoFs.Storage;
using DittoFs.Storage.RocksDb;

namespace DittoFs.Benchmarks;

/// <summary>
/// What a RocksDB store's point reads cost as it grows, without NFS or a client on the same cores (the
/// <c>storereads</c> mode of this program): a <see cref="RocksDbMetadataStore"/> in <c>--path</c> is filled as curve 1
/// fills a share (CREATE, a 4 KiB commit and a flush per file, 1000 files a directory, <c>--lanes</c> at a time), and
/// at each size <c>--sample</c> random LOOKUPs, then GETATTRs of the files they found, run on one thread, for
/// <c>--rounds</c> rounds after one uncounted round that warms the block cache. Each call's cost is the thread's CPU time (reads complete synchronously, so a loaded
/// machine's waits are not in it) and wall time, with RocksDB's counters per call (keys read, block cache misses,
/// memtable hits). Then the store is reopened, as the curve restarts its server after each size (RocksDB writes its
/// memtable to a table), and measured again.
/// <para>
/// <c>dotnet run -c Release --project tests/DittoFs.Benchmarks -- storereads --path DIR [--files 10000,100000,1000000]
/// [--sample 20000] [--rounds 3] [--lanes 64] [--block-cache 268435456]</c>. The directory must not exist.
/// </para>
/// </summary>
internal static class StoreReads
{
    private const int FilesPerDirectory = 1000;
    private const string Usage = "usage: storereads --path DIR [--files 10000,100000,1000000] [--sample 20000] [--rounds 3] [--lanes 64] [--block-cache 268435456]";

    /// <summary>RocksDB counters reported per call (their names in the statistics text).</summary>
    private static readonly string[] Counters =
    [
        "rocksdb.number.keys.read",
        "rocksdb.memtable.hit",
        "rocksdb.block.cache.data.hit",
        "rocksdb.block.cache.data.miss",
        "rocksdb.block.cache.index.miss",
        "rocksdb.block.cache.filter.miss",
        "rocksdb.bloom.filter.useful",
        "rocksdb.l0.hit",
        "rocksdb.l1.hit",
        "rocksdb.l2andup.hit",
    ];

    private static readonly AuthContext Auth = AuthContext.Root(IPAddress.Loopback);

    public static async Task<int> RunAsync(string[] args)
    {
        string path;
        List<long> sizes;
        int sample, rounds, lanes;
        long blockCache;
        try
        {
            var values = ModeArguments.Parse(args);
            long Number(string name, string text)
            {
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number < 1)
                    throw new ArgumentException($"--{name}: '{text}' is not a positive whole number");
                return number;
            }
            string Take(string name, string fallback) => values.Remove(name, out var given) ? given : fallback;
            path = values.Remove("path", out var given) ? given : throw new ArgumentException("--path is required");
            sizes = Take("files", "10000,100000,1000000").Split(',').Select(size => Number("files", size)).Order().ToList();
            sample = (int)Math.Min(Number("sample", Take("sample", "20000")), int.MaxValue);
            rounds = (int)Math.Min(Number("rounds", Take("rounds", "3")), 1000);
            lanes = (int)Math.Min(Number("lanes", Take("lanes", "64")), 1024);
            blockCache = Number("block-cache", Take("block-cache", RocksDbMetadataStore.DefaultBlockCacheBytes.ToString(CultureInfo.InvariantCulture)));
            if (values.Count > 0)
                throw new ArgumentException($"unknown option --{values.Keys.First()}");
            if (Directory.Exists(path))
                throw new ArgumentException($"--path: {path} exists (give a new directory)");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"storereads: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        RocksDbMetadataStore Open() => new(path, 1UL << 32, null, blockCache, statistics: true);
        var store = Open();
        try
        {
            var share = Expect(await store.GetOrCreateRootAsync("share", 0, 0, 0x1ff));
            var directories = new List<FileRef>();
            long filled = 0;
            foreach (long size in sizes)
            {
                while ((long)directories.Count * FilesPerDirectory < size)
                    directories.Add(Expect(await store.MkdirAsync(Auth, share, Name("d", directories.Count), default)).File.Ref);
                var clock = Stopwatch.StartNew();
                await FillAsync(store, directories, filled, size, lanes);
                Console.WriteLine($"storereads: filled to {size} files in {clock.Elapsed.TotalSeconds:0.0} s");
                filled = size;
                Measure(store, directories, size, sample, rounds, "filled");
                store.Dispose();
                store = Open();
                Measure(store, directories, size, sample, rounds, "reopened");
            }
        }
        finally
        {
            store.Dispose();
        }
        return 0;
    }

    private static async Task FillAsync(RocksDbMetadataStore store, List<FileRef> directories, long from, long to, int lanes)
    {
        long next = from - 1;
        async Task Lane()
        {
            for (long i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
            {
                var file = Expect(await store.CreateAsync(Auth, directories[(int)(i / FilesPerDirectory)], Name("f", i % FilesPerDirectory), CreateMode.Guarded, default, 0)).File.Ref;
                Expect(await store.CommitWriteAsync(Auth, file, 0, 4096));
                var status = await store.FlushAsync(file);
                if (status != StoreStatus.Ok)
                    throw new InvalidOperationException($"flush: {status}");
            }
        }
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(_ => Task.Run(Lane)));
    }

    /// <summary>Rounds of random LOOKUPs then GETATTRs on this thread; prints the medians per call.</summary>
    private static void Measure(RocksDbMetadataStore store, List<FileRef> directories, long files, int sample, int rounds, string state)
    {
        int count = (int)Math.Min(sample, files);
        var lookups = new List<Call>();
        var getattrs = new List<Call>();
        var handles = new FileRef[count];
        // Round 0 warms the block cache with random files (a server reading its files at random has them cached
        // as far as the cache holds them) and is not counted.
        for (int round = 0; round <= rounds; round++)
        {
            var random = new Random((int)files + round);
            long[] picks = Enumerable.Range(0, count).Select(_ => random.NextInt64(files)).ToArray();
            byte[][] names = picks.Select(pick => Name("f", pick % FilesPerDirectory)).ToArray();
            var lookup = Call.Time(store, count, i =>
                handles[i] = Expect(store.LookupAsync(Auth, directories[(int)(picks[i] / FilesPerDirectory)], names[i]).GetAwaiter().GetResult()).File.Ref);
            var getattr = Call.Time(store, count, i => Expect(store.GetAttributesAsync(handles[i]).GetAwaiter().GetResult()));
            if (round > 0)
            {
                lookups.Add(lookup);
                getattrs.Add(getattr);
            }
        }
        Console.WriteLine($"storereads: {files} files, {state}: LOOKUP {Call.Median(lookups)}; GETATTR {Call.Median(getattrs)}");
        var levels = Enumerable.Range(0, 7).Select(level => store.Property($"rocksdb.num-files-at-level{level}") ?? "?");
        Console.WriteLine($"storereads:   tables by level [{string.Join(' ', levels)}], memtables {Mib(store.Property("rocksdb.cur-size-all-mem-tables"))}, "
            + $"block cache {Mib(store.Property("rocksdb.block-cache-usage"))}, table readers {Mib(store.Property("rocksdb.estimate-table-readers-mem"))}, "
            + $"live tables {Mib(store.Property("rocksdb.live-sst-files-size"))}, process RSS {Environment.WorkingSet / 1048576.0:0} MiB");
    }

    private static string Mib(string? bytes) =>
        long.TryParse(bytes, CultureInfo.InvariantCulture, out long value) ? $"{value / 1048576.0:0.0} MiB" : "?";

    /// <summary>One round of one kind of call: CPU and wall time per call, and RocksDB's counters per call.</summary>
    private sealed record Call(double CpuMicroseconds, double WallMicroseconds, double[] Counts)
    {
        public static Call Time(RocksDbMetadataStore store, int count, Action<int> call)
        {
            var before = Read(store.Statistics());
            long cpu = ThreadCpuNanoseconds();
            long wall = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
                call(i);
            double wallMicroseconds = Stopwatch.GetElapsedTime(wall).TotalMicroseconds / count;
            double cpuMicroseconds = (ThreadCpuNanoseconds() - cpu) / 1000.0 / count;
            var after = Read(store.Statistics());
            return new(cpuMicroseconds, wallMicroseconds, [.. Counters.Select((_, k) => (after[k] - before[k]) / (double)count)]);
        }

        public static string Median(List<Call> rounds)
        {
            static double Middle(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"cpu {Middle(rounds.Select(r => r.CpuMicroseconds)):0.00} us ({string.Join('/', rounds.Select(r => r.CpuMicroseconds.ToString("0.0", CultureInfo.InvariantCulture)))}), ");
            text.Append(CultureInfo.InvariantCulture, $"wall {Middle(rounds.Select(r => r.WallMicroseconds)):0.00} us");
            for (int k = 0; k < Counters.Length; k++)
                text.Append(CultureInfo.InvariantCulture, $", {Counters[k]["rocksdb.".Length..]} {Middle(rounds.Select(r => r.Counts[k])):0.00}");
            return text.ToString();
        }

        private static long[] Read(string statistics) =>
            [.. Counters.Select(name => Regex.Match(statistics, $@"^{Regex.Escape(name)} COUNT : (\d+)", RegexOptions.Multiline) is { Success: true } match
                ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0)];
    }

    private static long ThreadCpuNanoseconds()
    {
        const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID
        return clock_gettime(ThreadCpuTimeClock, out var time) == 0 ? time.Seconds * 1_000_000_000 + time.Nanoseconds : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);

    private static byte[] Name(string prefix, long number) => Encoding.ASCII.GetBytes($"{prefix}{number}");

    private static T Expect<T>(StoreResult<T> result) =>
        result.IsOk ? result.Value : throw new InvalidOperationException($"store call failed: {result.Status}");
}
