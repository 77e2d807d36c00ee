using System.Diagnostics;
using System.Globalization;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Storage.S3;
using DittoFs.Storage.S3.Remote;
using DittoFs.Storage.S3.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using static DittoFs.Benchmarks.Nfs3Calls;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// Curve 5 (s3 kind): the run's s3rver measured raw, through the store's own S3 requests (<see cref="S3Bucket"/>: the
/// same client library and connection pool the server uses), PUT and GET of block-sized objects with 1, 4 and 16
/// requests in flight; then the same amount of data through NFS (one file written sequentially in 1 MiB UNSTABLE
/// WRITEs and COMMITted, read back sequentially after a restart so that no block is in the server's memory, then
/// 4 KiB READs at random offsets, again after a restart) with 4 and 16 calls in flight; and small files (CREATE +
/// 4 KiB WRITE FILE_SYNC, then REMOVE). The S3 requests each NFS workload cost are read off the server's
/// <c>dittofs_s3_requests_total</c>. Target: NFS sequential throughput at least 80 % of raw S3's at the same
/// concurrency.
/// </summary>
internal static class S3Curves
{
    public const double SequentialTarget = 0.8;
    public static readonly int[] RawInFlight = [1, 4, 16];
    public static readonly int[] NfsInFlight = [4, 16];

    public const string RawPut = "raw S3 PUT";
    public const string RawGet = "raw S3 GET";
    public const string NfsWrite = "NFS sequential WRITE + COMMIT";
    public const string NfsRead = "NFS sequential READ (not cached)";

    private const int BlockSize = S3ContentStoreOptions.DefaultBlockSize; // what the server's store uses by default
    private const int IoSize = 1024 * 1024;
    private const int SmallFiles = 1000;

    public static async Task RunAsync(CurveOptions options, string folder, CurveBook book)
    {
        await RawAsync(options, book);
        await ThroughNfsAsync(options, folder, book);
    }

    private static async Task RawAsync(CurveOptions options, CurveBook book)
    {
        var settings = new S3ContentStoreOptions
        {
            Endpoint = options.S3Endpoint!,
            Bucket = "curves-raw",
            AccessKey = S3rverProcess.AccessKey,
            SecretKey = S3rverProcess.SecretKey,
            UseTls = false,
        };
        using var bucket = new S3Bucket(settings, settings.ResolveCredentials(Environment.GetEnvironmentVariable),
            new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }, NullLogger.Instance);
        await bucket.EnsureExistsAsync(CancellationToken.None);
        int objects = (int)((long)options.S3Mebibytes * IoSize / BlockSize);
        var keys = Enumerable.Range(0, objects).Select(i => $"raw/{i:D6}").ToArray();
        var data = new byte[BlockSize];
        new Random(5).NextBytes(data);
        foreach (int inFlight in RawInFlight)
        {
            double put = await MebibytesPerSecondAsync(objects, BlockSize, inFlight, async (i, _) =>
                Check(await bucket.PutAsync(keys[i], data, CancellationToken.None), "PUT", keys[i]));
            double get = await MebibytesPerSecondAsync(objects, BlockSize, inFlight, async (i, buffer) =>
            {
                var read = await bucket.ReadAsync(keys[i], 0, buffer, CancellationToken.None);
                Check(read.Status, "GET", keys[i]);
                if (read.Value.BytesRead != BlockSize)
                    throw new InvalidOperationException($"GET {keys[i]}: {read.Value.BytesRead} bytes");
            });
            book.S3Throughput.Add(RawPut, inFlight, put);
            book.S3Throughput.Add(RawGet, inFlight, get);
            Console.WriteLine($"curves: s3: raw, {inFlight} in flight: PUT {put:0} MiB/s, GET {get:0} MiB/s");
        }
        Check(await bucket.DeleteAsync(keys, CancellationToken.None), "DELETE", "raw/");
    }

    /// <summary>
    /// On a server of its own (data directory under <paramref name="parent"/>/streams), so that no content released by
    /// the earlier curves is deleted in the background while this one counts requests.
    /// </summary>
    private static async Task ThroughNfsAsync(CurveOptions options, string parent, CurveBook book)
    {
        string folder = Path.Combine(parent, "streams");
        long calls = options.S3Mebibytes;
        var chunk = new byte[IoSize];
        new Random(6).NextBytes(chunk);
        var server = await DittoFsServer.StartAsync(options, "s3", folder);
        string streamed = "";
        try
        {
            foreach (int inFlight in NfsInFlight)
            {
                // A file per pass, so that no pass overwrites blocks already in S3 (which would cost merges).
                streamed = $"s3-stream-{inFlight}";
                NfsFh3 file;
                await using (var share = await CurvesRun.Share.ConnectAsync(server.Port))
                {
                    file = await CreateAsync(share.Clients[0], share.Root, streamed);
                    await StreamAsync(server, book, NfsWrite, $"sequential WRITE of 1 MiB ({inFlight} in flight; the COMMIT included)", calls, inFlight, async () =>
                    {
                        await InOrderAsync(calls, inFlight, (i, lane) => WriteAsync(share.Clients[lane % share.Clients.Length], file, i * IoSize, chunk, StableHow.Unstable));
                        await CommitAsync(share.Clients[0], file);
                    });
                }

                server = await RestartAsync(server, options, folder);
                await using (var share = await CurvesRun.Share.ConnectAsync(server.Port))
                {
                    await StreamAsync(server, book, NfsRead, $"sequential READ of 1 MiB ({inFlight} in flight, nothing cached)", calls, inFlight,
                        () => InOrderAsync(calls, inFlight, (i, lane) => ReadAsync(share.Clients[lane % share.Clients.Length], file, i * IoSize, IoSize)));
                }
            }

            server = await RestartAsync(server, options, folder);
            await using (var share = await CurvesRun.Share.ConnectAsync(server.Port))
            {
                var file = await LookupAsync(share.Clients[0], share.Root, streamed);
                var random = new Random(7);
                long[] offsets = Enumerable.Range(0, options.Sample).Select(_ => random.NextInt64(calls * IoSize / 4096) * 4096).ToArray();
                var before = await RequestsAsync(server);
                double rate = await share.RateAsync(offsets.Length, options.Lanes, (client, i) => ReadAsync(client, file, offsets[i], 4096));
                var after = await RequestsAsync(server);
                book.S3Requests.Add(($"random 4 KiB READ ({options.Lanes} in flight, from a restart: {rate:0}/s)", after.Minus(before).Per(offsets.Length)));
                Console.WriteLine($"curves: s3: NFS random 4 KiB READ: {rate:0}/s, {after.Minus(before).Per(offsets.Length)}");
                foreach (int inFlight in NfsInFlight)
                    await RemoveAsync(share.Clients[0], share.Root, $"s3-stream-{inFlight}");

                var directory = await MakeDirectoryAsync(share.Clients[0], share.Root, "s3-small");
                var small = new byte[4096];
                before = await RequestsAsync(server);
                double created = await share.RateAsync(SmallFiles, options.Lanes, (client, i) => CreateAndWriteAsync(client, directory, CurvesRun.Name("f", i), small));
                after = await RequestsAsync(server);
                book.S3Requests.Add(($"small file: CREATE + 4 KiB WRITE FILE_SYNC ({created:0} files/s)", after.Minus(before).Per(SmallFiles)));
                before = after;
                double removed = await share.RateAsync(SmallFiles, options.Lanes, (client, i) => RemoveAsync(client, directory, CurvesRun.Name("f", i)));
                // The content of removed files is deleted after the replies: wait until the DELETEs stop.
                after = await SettledRequestsAsync(server);
                book.S3Requests.Add(($"small file: REMOVE ({removed:0} files/s; the content's deletion after the reply)", after.Minus(before).Per(SmallFiles)));
                Console.WriteLine($"curves: s3: small files: create {created:0}/s, remove {removed:0}/s");
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>
    /// One NFS stream of <paramref name="calls"/> 1 MiB calls (<paramref name="work"/>): its MiB/s into
    /// <paramref name="series"/> at <paramref name="inFlight"/>, and the S3 requests it cost per call.
    /// </summary>
    private static async Task StreamAsync(DittoFsServer server, CurveBook book, string series, string workload, long calls, int inFlight, Func<Task> work)
    {
        var before = await RequestsAsync(server);
        var clock = Stopwatch.StartNew();
        await work();
        double rate = calls / clock.Elapsed.TotalSeconds;
        var perCall = (await RequestsAsync(server)).Minus(before).Per(calls);
        book.S3Throughput.Add(series, inFlight, rate);
        book.S3Requests.Add((workload, perCall));
        Console.WriteLine($"curves: s3: {series}, {inFlight} in flight: {rate:0} MiB/s, {perCall}");
    }

    /// <summary>MiB/s of <paramref name="count"/> transfers of <paramref name="size"/> bytes, <paramref name="inFlight"/> at once, each lane with its own buffer.</summary>
    private static async Task<double> MebibytesPerSecondAsync(int count, int size, int inFlight, Func<int, byte[], Task> transfer)
    {
        var buffers = Enumerable.Range(0, inFlight).Select(_ => new byte[size]).ToArray();
        var clock = Stopwatch.StartNew();
        await InOrderAsync(count, inFlight, (i, lane) => transfer((int)i, buffers[lane]));
        return (double)count * size / IoSize / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs <paramref name="work"/> (index, lane) for indexes 0..count-1 taken in order by <paramref name="inFlight"/>
    /// lanes, so that the calls outstanding are always about the next <paramref name="inFlight"/> indexes, as a
    /// client's sequential read-ahead or write-behind keeps them (lanes that each take every n-th index drift apart
    /// on a loaded machine, and a write far behind the others then finds its block already uploaded).
    /// </summary>
    private static Task InOrderAsync(long count, int inFlight, Func<long, int, Task> work)
    {
        long next = -1;
        return Task.WhenAll(Enumerable.Range(0, inFlight).Select(lane => Task.Run(async () =>
        {
            for (long i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                await work(i, lane);
        })));
    }

    private static async Task<DittoFsServer> RestartAsync(DittoFsServer server, CurveOptions options, string folder)
    {
        await server.DisposeAsync();
        return await DittoFsServer.StartAsync(options, "s3", folder);
    }

    private static void Check(StoreStatus status, string request, string key)
    {
        if (status != StoreStatus.Ok)
            throw new InvalidOperationException($"{request} {key}: {status}");
    }

    private static async Task WriteAsync(NfsV3Client client, NfsFh3 file, long offset, byte[] data, StableHow stable)
    {
        var written = await client.WriteAsync(new Write3Args { File = file, Offset = (ulong)offset, Count = (uint)data.Length, Stable = stable, Data = data });
        if (written.Status != Nfsstat3.Nfs3Ok || written.Resok.Count != data.Length)
            throw new InvalidOperationException($"WRITE at {offset}: {written.Status}");
    }

    private static async Task CommitAsync(NfsV3Client client, NfsFh3 file)
    {
        var committed = await client.CommitAsync(new Commit3Args { File = file });
        if (committed.Status != Nfsstat3.Nfs3Ok)
            throw new InvalidOperationException($"COMMIT: {committed.Status}");
    }

    private static async Task ReadAsync(NfsV3Client client, NfsFh3 file, long offset, int count)
    {
        var read = await client.ReadAsync(new Read3Args { File = file, Offset = (ulong)offset, Count = (uint)count });
        if (read.Status != Nfsstat3.Nfs3Ok || read.Resok.Count != count)
            throw new InvalidOperationException($"READ {count} at {offset}: {read.Status}");
    }

    /// <summary>The server's S3 request counts (<c>dittofs_s3_requests_total</c>) by operation.</summary>
    private static async Task<S3RequestCounts> RequestsAsync(DittoFsServer server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string text = await http.GetStringAsync($"http://127.0.0.1:{server.MetricsPort}/metrics");
        double Sum(string operation) => text.Split('\n')
            .Where(line => line.StartsWith("dittofs_s3_requests_total{", StringComparison.Ordinal) && line.Contains($"operation=\"{operation}\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return new S3RequestCounts(Sum("GET"), Sum("PUT"), Sum("DELETE"), Sum("LIST"));
    }

    /// <summary>The counts once they have not moved for two seconds (at most a minute).</summary>
    private static async Task<S3RequestCounts> SettledRequestsAsync(DittoFsServer server)
    {
        var last = await RequestsAsync(server);
        for (int i = 0; i < 30; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var now = await RequestsAsync(server);
            if (now == last)
                break;
            last = now;
        }
        return last;
    }
}

/// <summary>S3 requests by operation (counts, or counts per NFS call).</summary>
internal readonly record struct S3RequestCounts(double Gets, double Puts, double Deletes, double Lists)
{
    public S3RequestCounts Minus(S3RequestCounts other) => new(Gets - other.Gets, Puts - other.Puts, Deletes - other.Deletes, Lists - other.Lists);

    public S3RequestCounts Per(long calls) => new(Gets / calls, Puts / calls, Deletes / calls, Lists / calls);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"GET {Gets:0.###}, PUT {Puts:0.###}, DELETE {Deletes:0.###}, LIST {Lists:0.###}");
}
