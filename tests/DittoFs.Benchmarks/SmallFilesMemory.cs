using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DittoFs.Protocol;
using DittoFs.Rpc;
using static DittoFs.Benchmarks.Nfs3Calls;

namespace DittoFs.Benchmarks;

/// <summary>
/// What small files cost a running server in memory (the <c>smallfiles</c> mode of this program): over MOUNT + NFSv3
/// on TCP, <c>--files</c> files of <c>--size</c> bytes each are created (CREATE, then one WRITE FILE_SYNC) in a
/// directory of their own by <c>--connections</c> clients, then removed (REMOVE) and the directory with them, for
/// <c>--rounds</c> rounds. First <c>--warmup</c> files are created and removed the same way, so the server's one-time
/// costs (JIT and tiered recompilation, thread pool growth, buffer pools) are in the start figure, not counted per file.
/// The server's resident set (VmRSS of <c>--pid</c>, from /proc) is read at the start, after each creation and after
/// each removal (once it stopped changing: a server deletes removed content in the background), and reported with the
/// bytes per file it costs while the files live and what is left once they are gone; later rounds show whether that
/// grows with every file ever created. A figure, not a pass/fail test.
/// <para>
/// <c>dotnet run -c Release --project tests/DittoFs.Benchmarks -- smallfiles --port PORT --pid PID [--host 127.0.0.1]
/// [--export /export] [--files 100000] [--size 4096] [--connections 8] [--rounds 2] [--warmup 2000] [--output DIR]</c>;
/// <c>dotnet cake --target=Bench</c> starts a server on in-memory stores and runs it.
/// </para>
/// </summary>
internal static class SmallFilesMemory
{
    private sealed record Options(string Host, int Port, int Pid, string Export, int Files, int Size, int Connections, int Rounds, int Warmup, string? Output);

    private sealed record Round(int Number, double CreateSeconds, double RemoveSeconds, long RssWithFiles, long RssAfterRemoval);

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"smallfiles: {e.Message}");
            Console.Error.WriteLine("usage: smallfiles --port PORT --pid PID [--host 127.0.0.1] [--export /export] [--files 100000] [--size 4096] [--connections 8] [--rounds 2] [--warmup 2000] [--output DIR]");
            return 2;
        }

        var clients = new RpcClient[options.Connections];
        for (int i = 0; i < clients.Length; i++)
            clients[i] = await RpcClient.ConnectAsync(options.Host, options.Port, ClientOptions($"smallfiles-{i}"));
        try
        {
            var nfs = clients.Select(c => new NfsV3Client(c)).ToArray();
            var root = await MountAsync(clients[0], options.Export);
            var data = new byte[options.Size];
            new Random(1).NextBytes(data);
            if (options.Warmup > 0)
                await CreateAndRemoveAsync(nfs, root, "smallfiles-warmup", options.Warmup, data);
            long start = await ProcessMemory.SettledRssAsync(options.Pid, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
            Console.WriteLine($"server RSS at start {Mib(start):0.0} MiB");

            var rounds = new List<Round>();
            for (int round = 1; round <= options.Rounds; round++)
            {
                string name = $"smallfiles-{round}";
                var clock = Stopwatch.StartNew();
                var directory = await MakeDirectoryAsync(nfs[0], root, name);
                await ForEachAsync(nfs, 0, options.Files, nfs.Length, (client, i) => CreateAndWriteAsync(client, directory, FileName(i), data));
                double createSeconds = clock.Elapsed.TotalSeconds;
                long created = await ProcessMemory.SettledRssAsync(options.Pid, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
                clock.Restart();
                await ForEachAsync(nfs, 0, options.Files, nfs.Length, (client, i) => RemoveAsync(client, directory, FileName(i)));
                await RemoveDirectoryAsync(nfs[0], root, name);
                double removeSeconds = clock.Elapsed.TotalSeconds;
                long removed = await ProcessMemory.SettledRssAsync(options.Pid, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
                rounds.Add(new Round(round, createSeconds, removeSeconds, created, removed));
                Console.WriteLine($"  round {round}: {Mib(created):0.0} MiB with the files, {Mib(removed):0.0} MiB after their removal");
            }

            long fileBytes = (long)options.Files * options.Size;
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"# {options.Files} files of {options.Size} B over NFSv3/TCP to {options.Host}:{options.Port}{options.Export} ({options.Connections} connections), {options.Rounds} rounds after {options.Warmup} warm-up files, server pid {options.Pid}");
            report.AppendLine(CultureInfo.InvariantCulture, $"server RSS at start {Mib(start):0.0} MiB; the files' bytes {Mib(fileBytes):0.0} MiB");
            report.AppendLine("round  create files/s  remove files/s  RSS with files MiB  (x file bytes)  per live file B  RSS after removal MiB  (x start)");
            foreach (var r in rounds)
            {
                double perFile = (double)(r.RssWithFiles - start) / options.Files;
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"{r.Number,5} {options.Files / r.CreateSeconds,15:0} {options.Files / r.RemoveSeconds,15:0} {Mib(r.RssWithFiles),19:0.0} {(double)(r.RssWithFiles - start) / fileBytes,15:0.00} {perFile,16:0} {Mib(r.RssAfterRemoval),22:0.0} {(double)r.RssAfterRemoval / start,10:0.00}");
            }
            var last = rounds[^1];
            report.AppendLine(CultureInfo.InvariantCulture, $"per live file beyond its {options.Size} B (round {last.Number}): {(double)(last.RssWithFiles - start) / options.Files - options.Size:0} B; left per removed file: {(double)(last.RssAfterRemoval - start) / options.Files:0} B");
            Console.Write(report);
            if (options.Output is not null)
            {
                Directory.CreateDirectory(options.Output);
                await File.WriteAllTextAsync(Path.Combine(options.Output, "smallfiles.txt"), report.ToString());
                await File.WriteAllTextAsync(Path.Combine(options.Output, "smallfiles.json"), JsonSerializer.Serialize(new
                {
                    files = options.Files,
                    fileSize = options.Size,
                    connections = options.Connections,
                    warmupFiles = options.Warmup,
                    rssStartBytes = start,
                    rounds = rounds.Select(r => new
                    {
                        round = r.Number,
                        createSeconds = r.CreateSeconds,
                        removeSeconds = r.RemoveSeconds,
                        rssWithFilesBytes = r.RssWithFiles,
                        rssAfterRemovalBytes = r.RssAfterRemoval,
                        rssBytesPerLiveFile = (double)(r.RssWithFiles - start) / options.Files,
                        rssAfterRemovalOverStart = (double)r.RssAfterRemoval / start,
                    }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"Written to {Path.Combine(options.Output, "smallfiles.txt")} and smallfiles.json");
            }
            return 0;
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

    private static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    private static string FileName(long i) => $"f{i:D7}";

    private static async Task CreateAndRemoveAsync(NfsV3Client[] nfs, NfsFh3 root, string name, int count, byte[] data)
    {
        var directory = await MakeDirectoryAsync(nfs[0], root, name);
        await ForEachAsync(nfs, 0, count, nfs.Length, (client, i) => CreateAndWriteAsync(client, directory, FileName(i), data));
        await ForEachAsync(nfs, 0, count, nfs.Length, (client, i) => RemoveAsync(client, directory, FileName(i)));
        await RemoveDirectoryAsync(nfs[0], root, name);
    }

    private static Options Parse(string[] args)
    {
        var values = ModeArguments.Parse(args);
        string Take(string name, string fallback) => values.Remove(name, out var given) ? given : fallback;
        int Number(string name, string fallback) => int.Parse(Take(name, fallback), CultureInfo.InvariantCulture);
        var options = new Options(
            Take("host", "127.0.0.1"),
            Number("port", "0"),
            Number("pid", "0"),
            Take("export", "/export"),
            Number("files", "100000"),
            Number("size", "4096"),
            Number("connections", "8"),
            Number("rounds", "2"),
            Number("warmup", "2000"),
            values.Remove("output", out var output) ? output : null);
        if (values.Count > 0)
            throw new ArgumentException($"unknown option --{values.Keys.First()}");
        if (options.Port <= 0 || options.Pid <= 0)
            throw new ArgumentException("--port and --pid are required");
        if (options.Files < 1 || options.Size < 1 || options.Connections < 1 || options.Rounds < 1 || options.Warmup < 0)
            throw new ArgumentException("--files, --size, --connections and --rounds must be at least 1, --warmup not negative");
        return options;
    }
}
