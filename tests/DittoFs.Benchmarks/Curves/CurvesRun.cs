using System.Diagnostics;
using System.Globalization;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;
using static DittoFs.Benchmarks.Nfs3Calls;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// The curves of issue 18 (the <c>curves</c> mode of this program; <c>dotnet cake --target=Bench --curves=true</c>
/// runs it): for each store kind, the real server started on a fresh store and measured over NFSv3/TCP as its share
/// and one directory grow, and under more client connections; charts and tables into the output folder's curves.md.
/// <list type="number">
/// <item>Files on a share (<see cref="ShareCurves"/>): CREATE + 4 KiB WRITE, LOOKUP, GETATTR and REMOVE rates with
/// 10k, 100k, 1M files on it; the server's RSS per million files.</item>
/// <item>One huge directory (<see cref="DirectoryCurves"/>): READDIRPLUS entries/s by the page's position, LOOKUP
/// and CREATE in it against a directory of 100 entries.</item>
/// <item>Start and check (rocksdb, within the share curve): the server's start time with N files, dittofs fsck's time.</item>
/// <item>Clients (<see cref="ClientCurves"/>): 1-64 connections × 16 calls in flight on GETATTR and 4 KiB random
/// READ through <c>ditto-nfs bench</c>: throughput and p50/p99/p99.9.</item>
/// <item>S3 content (<see cref="S3Curves"/>, s3 kind only): raw S3 against NFS at the same concurrency, and the S3
/// requests per NFS call.</item>
/// </list>
/// The figures are the machine's: on a loaded machine they say what is wrong by their shape, not their size.
/// </summary>
internal static class CurvesRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        CurveOptions options;
        try
        {
            options = CurveOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"curves: {e.Message}");
            Console.Error.WriteLine(CurveOptions.Usage);
            return 2;
        }
        var book = new CurveBook();
        string started = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        string load = LoadAverage();
        string Header() => $"""
            # DittoFs curves

            - started {started} UTC, finished {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Environment.ProcessorCount} cores; load average at the start {load}, at the end {LoadAverage()} (1, 5, 15 min)
            - stores: {string.Join(", ", options.Stores)} (memory: in-memory metadata and content; rocksdb: the embedded default, RocksDB metadata and file content on disk; s3: RocksDB metadata and content in S3, an s3rver on this machine, default S3 settings)
            - files on a share: {string.Join(", ", options.Files.Select(size => CurveWriter.Count(size)))}; huge directory: {string.Join(", ", options.DirectoryEntries.Select(size => CurveWriter.Count(size)))} entries; {options.Sample} calls per measured rate, {options.Lanes} in flight over 4 connections
            - clients: {string.Join(", ", options.Connections)} connections × 16 calls in flight, {options.Seconds} s per point (`ditto-nfs bench`)
            - S3 content (s3 only): {options.S3Mebibytes} MiB raw and through NFS
            """;
        var failures = new List<string>();
        string path = "";
        foreach (string store in options.Stores)
        {
            string folder = Path.Combine(options.Output, $"curves-{store}");
            S3rverProcess? s3 = null;
            try
            {
                Console.WriteLine($"curves: {store}");
                var run = options;
                if (store == "s3")
                {
                    s3 = S3rverProcess.Start(S3rverInstallation.EnsureInstalled(RepositoryRoot.Find()), Directory.CreateDirectory(Path.Combine(folder, "s3rver")).FullName);
                    run = options with { S3Endpoint = s3.Endpoint };
                }
                await ClientCurves.RunAsync(run, store, folder, book);
                await ShareCurves.RunAsync(run, store, folder, book);
                await DirectoryCurves.RunAsync(run, store, folder, book);
                if (store == "s3")
                    await S3Curves.RunAsync(run, folder, book);
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or RpcException or TimeoutException)
            {
                failures.Add($"{store}: {exception.Message}");
                Console.Error.WriteLine($"curves: {store}: {exception.Message}");
            }
            finally
            {
                s3?.Dispose();
                // The stores' data can be large (1M files); only the figures are kept.
                foreach (string data in (string[])[DittoFsServer.DataDirectory(folder), Path.Combine(folder, "s3rver"), Path.Combine(folder, "streams")])
                    if (Directory.Exists(data))
                        Directory.Delete(data, recursive: true);
            }
            // Written after every store, so a run cut short keeps what it measured.
            path = CurveWriter.WriteAll(options.Output, Header(), book.Curves, book.Findings(options).Concat(failures.Select(f => $"**failed**: {f}")));
        }
        Console.WriteLine($"curves: written to {path}");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>Connections to a running server and the share's root handle; 4 connections, lanes spread over them.</summary>
    internal sealed class Share : IAsyncDisposable
    {
        private readonly RpcClient[] _rpc;

        private Share(RpcClient[] rpc, NfsFh3 root)
        {
            _rpc = rpc;
            Clients = rpc.Select(client => new NfsV3Client(client)).ToArray();
            Root = root;
        }

        public NfsV3Client[] Clients { get; }

        public NfsFh3 Root { get; }

        public static async Task<Share> ConnectAsync(int port)
        {
            var rpc = new RpcClient[4];
            for (int i = 0; i < rpc.Length; i++)
                rpc[i] = await RpcClient.ConnectAsync("127.0.0.1", port, ClientOptions($"curves-{i}"));
            return new Share(rpc, await MountAsync(rpc[0], DittoFsServer.Export));
        }

        /// <summary>Calls per second of <paramref name="work"/> over indexes 0..count-1, lanes in flight.</summary>
        public async Task<double> RateAsync(long count, int lanes, Func<NfsV3Client, long, Task> work)
        {
            var clock = Stopwatch.StartNew();
            await ForEachAsync(Clients, 0, count, lanes, work);
            return count / clock.Elapsed.TotalSeconds;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _rpc)
                await client.DisposeAsync();
        }
    }

    internal static string Name(string prefix, long index) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{index:D7}");
}
