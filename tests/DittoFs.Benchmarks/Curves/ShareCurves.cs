using System.Diagnostics;
using DittoFs.Protocol;
using static DittoFs.Benchmarks.Nfs3Calls;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// Curve 1 (and 3 on rocksdb): a fresh server's share filled with files of 4 KiB, 1000 to a directory, up to each
/// size in turn; at each size a sample of calls measured: CREATE + 4 KiB WRITE FILE_SYNC of new files, LOOKUP of
/// random existing files, GETATTR of the handles found, REMOVE of the new files; and the server's settled RSS. On
/// rocksdb the server is then stopped (SIGTERM), <c>dittofs fsck</c> run on its stores, and the server started
/// again, both timed, before the next size (so its RSS at the next size is that of a restarted server, against the
/// first start's empty RSS).
/// </summary>
internal static class ShareCurves
{
    private const int FilesPerDirectory = 1000;
    private const double Mebibyte = 1024 * 1024;

    public static async Task RunAsync(CurveOptions options, string store, string folder, CurveBook book)
    {
        var server = await DittoFsServer.StartAsync(options, store, folder);
        var share = await CurvesRun.Share.ConnectAsync(server.Port);
        try
        {
            var data = new byte[4096];
            new Random(1).NextBytes(data);
            var first = share.Clients[0];
            var tree = await MakeDirectoryAsync(first, share.Root, "share");
            // One-time costs (JIT, pools) before the RSS every figure is measured against.
            var warmup = await MakeDirectoryAsync(first, share.Root, "warmup");
            await ForEachAsync(share.Clients, 0, FilesPerDirectory, options.Lanes, (client, i) => CreateAndWriteAsync(client, warmup, CurvesRun.Name("f", i), data));
            await ForEachAsync(share.Clients, 0, FilesPerDirectory, options.Lanes, (client, i) => RemoveAsync(client, warmup, CurvesRun.Name("f", i)));
            long emptyRss = await ProcessMemory.SettledRssAsync(server.Pid, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20));
            book.StartTime.Notes.Add($"{store}: {server.StartTime.TotalSeconds:0.00} s to start on an empty store.");
            var directories = new List<NfsFh3>();
            long filled = 0;
            foreach (long files in options.Files)
            {
                while ((long)directories.Count * FilesPerDirectory < files)
                    directories.Add(await MakeDirectoryAsync(first, tree, CurvesRun.Name("d", directories.Count)));
                Console.WriteLine($"curves: {store}: filling the share to {files} files");
                await ForEachAsync(share.Clients, filled, files, options.Lanes,
                    (client, i) => CreateAndWriteAsync(client, directories[(int)(i / FilesPerDirectory)], CurvesRun.Name("f", i % FilesPerDirectory), data));
                filled = files;
                long rss = await ProcessMemory.SettledRssAsync(server.Pid, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20));
                book.ShareRss.Add(store, files, (rss - emptyRss) / Mebibyte / files * 1e6);

                int sample = (int)Math.Min(options.Sample, files);
                var added = new List<NfsFh3>();
                for (int k = 0; (long)k * FilesPerDirectory < sample; k++)
                    added.Add(await MakeDirectoryAsync(first, tree, $"added-{files}-{k}"));
                string Added(long i) => CurvesRun.Name("f", i % FilesPerDirectory);
                double create = await share.RateAsync(sample, options.Lanes, (client, i) => CreateAndWriteAsync(client, added[(int)(i / FilesPerDirectory)], Added(i), data));
                var random = new Random((int)files);
                long[] picks = Enumerable.Range(0, sample).Select(_ => random.NextInt64(files)).ToArray();
                var handles = new NfsFh3[sample];
                double lookup = await share.RateAsync(sample, options.Lanes, async (client, i) =>
                    handles[i] = await LookupAsync(client, directories[(int)(picks[i] / FilesPerDirectory)], CurvesRun.Name("f", picks[i] % FilesPerDirectory)));
                double getattr = await share.RateAsync(sample, options.Lanes, (client, i) => GetattrAsync(client, handles[i]));
                double remove = await share.RateAsync(sample, options.Lanes, (client, i) => RemoveAsync(client, added[(int)(i / FilesPerDirectory)], Added(i)));
                for (int k = 0; k < added.Count; k++)
                    await RemoveDirectoryAsync(first, tree, $"added-{files}-{k}");
                foreach (var (operation, rate) in CurveBook.ShareOperations.Zip([create, lookup, getattr, remove]))
                    book.ShareRates.Add($"{store} {operation}", files, rate);
                Console.WriteLine($"curves: {store}: {files} files: create {create:0}/s, lookup {lookup:0}/s, getattr {getattr:0}/s, remove {remove:0}/s, RSS {rss / Mebibyte:0} MiB");

                if (store != "rocksdb")
                    continue;
                await share.DisposeAsync();
                await server.DisposeAsync();
                double fsck = await FsckSecondsAsync(options.ServerDll, folder);
                book.Fsck.Add(store, files, fsck / files * 1e6);
                book.Fsck.Notes.Add($"{store}: {fsck:0.00} s for {CurveWriter.Count(files)} files (the process's start included).");
                server = await DittoFsServer.StartAsync(options, store, folder);
                book.StartTime.Add(store, files, server.StartTime.TotalSeconds);
                share = await CurvesRun.Share.ConnectAsync(server.Port);
                first = share.Clients[0];
            }
        }
        finally
        {
            await share.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    /// <summary>Seconds <c>dittofs fsck --data-dir</c> takes on the stopped server's stores; a non-clean result fails the run.</summary>
    private static async Task<double> FsckSecondsAsync(string serverDll, string folder)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])[serverDll, "fsck", "--data-dir", DittoFsServer.DataDirectory(folder)])
            start.ArgumentList.Add(argument);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dittofs fsck exited with {process.ExitCode}: {(await output).Trim()} {(await errors).Trim()}");
        return seconds;
    }
}
