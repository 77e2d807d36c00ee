using System.Diagnostics;
using DittoFs.Protocol;
using DittoFs.Xdr;
using static DittoFs.Benchmarks.Nfs3Calls;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// Curve 2: on a fresh server, one directory grown to each size in turn (empty files, CREATE only), and at each size:
/// the whole directory listed with READDIRPLUS twice, the second listing's pages timed one by one (the cost of a page
/// by its cookie's position: the entries/s of the pages starting in each twentieth of the directory, so that
/// directories of every size share the x axis); then LOOKUP of random
/// names and CREATE of new ones in it against the same in a directory of 100 entries.
/// </summary>
internal static class DirectoryCurves
{
    private const int SmallEntries = 100;
    private const int PositionBins = 20;

    /// <summary>A Linux client's page: 32 KiB of names and cookies, 128 KiB of reply.</summary>
    private const uint DirCount = 32 * 1024, MaxCount = 128 * 1024;

    public static async Task RunAsync(CurveOptions options, string store, string folder, CurveBook book)
    {
        await using var server = await DittoFsServer.StartAsync(options, store, folder);
        await using var share = await CurvesRun.Share.ConnectAsync(server.Port);
        var first = share.Clients[0];
        var huge = await MakeDirectoryAsync(first, share.Root, "huge");
        var small = await MakeDirectoryAsync(first, share.Root, "small");
        await ForEachAsync(share.Clients, 0, SmallEntries, options.Lanes, (client, i) => CreateAsync(client, small, CurvesRun.Name("f", i)));
        long filled = 0;
        foreach (long entries in options.DirectoryEntries)
        {
            Console.WriteLine($"curves: {store}: filling one directory to {entries} entries");
            await ForEachAsync(share.Clients, filled, entries, options.Lanes, (client, i) => CreateAsync(client, huge, CurvesRun.Name("f", i)));
            filled = entries;

            await ListPagesAsync(first, huge); // warm: what a client's second `ls` sees
            var pages = await ListPagesAsync(first, huge);
            long listed = pages.Sum(page => page.Entries);
            if (listed < entries)
                throw new InvalidOperationException($"READDIRPLUS listed {listed} entries of a directory of {entries}");
            foreach (var bin in pages.GroupBy(page => page.Before * PositionBins / listed).OrderBy(bin => bin.Key))
                book.ReaddirplusPages.Add($"{store}, {CurveWriter.Count(entries)} entries", bin.Key * 100 / PositionBins, bin.Sum(page => page.Entries) / bin.Sum(page => page.Seconds));
            book.ReaddirplusPages.Notes.Add($"{store}, {CurveWriter.Count(entries)} entries: {pages.Count} pages, {listed / pages.Sum(page => page.Seconds):0} entries/s over the whole listing.");

            int sample = (int)Math.Min(options.Sample, entries);
            var random = new Random((int)entries);
            long[] hugePicks = Enumerable.Range(0, sample).Select(_ => random.NextInt64(entries)).ToArray();
            long[] smallPicks = Enumerable.Range(0, sample).Select(_ => random.NextInt64(SmallEntries)).ToArray();
            double lookupHuge = await share.RateAsync(sample, options.Lanes, (client, i) => LookupAsync(client, huge, CurvesRun.Name("f", hugePicks[i])));
            double lookupSmall = await share.RateAsync(sample, options.Lanes, (client, i) => LookupAsync(client, small, CurvesRun.Name("f", smallPicks[i])));
            string added = $"added-{entries}-";
            double createHuge = await share.RateAsync(sample, options.Lanes, (client, i) => CreateAsync(client, huge, CurvesRun.Name(added, i)));
            await ForEachAsync(share.Clients, 0, sample, options.Lanes, (client, i) => RemoveAsync(client, huge, CurvesRun.Name(added, i)));
            double createSmall = await share.RateAsync(sample, options.Lanes, (client, i) => CreateAsync(client, small, CurvesRun.Name(added, i)));
            await ForEachAsync(share.Clients, 0, sample, options.Lanes, (client, i) => RemoveAsync(client, small, CurvesRun.Name(added, i)));
            book.HugeDirectory.Add(CurveBook.HugeSeries(store, "LOOKUP", huge: true), entries, lookupHuge);
            book.HugeDirectory.Add(CurveBook.HugeSeries(store, "LOOKUP", huge: false), entries, lookupSmall);
            book.HugeDirectory.Add(CurveBook.HugeSeries(store, "CREATE", huge: true), entries, createHuge);
            book.HugeDirectory.Add(CurveBook.HugeSeries(store, "CREATE", huge: false), entries, createSmall);
            Console.WriteLine($"curves: {store}: {entries} entries: LOOKUP {lookupHuge:0}/s (small {lookupSmall:0}/s), CREATE {createHuge:0}/s (small {createSmall:0}/s)");
        }
    }

    /// <summary>One READDIRPLUS page: the entries listed before it, its entries, and the call's time.</summary>
    private readonly record struct Page(long Before, int Entries, double Seconds);

    /// <summary>The whole directory, page by page (RFC 1813 §3.3.17: each page from the last entry's cookie, with the previous reply's verifier).</summary>
    private static async Task<List<Page>> ListPagesAsync(NfsV3Client nfs, NfsFh3 directory)
    {
        var pages = new List<Page>();
        ulong cookie = 0;
        long before = 0;
        InlineOpaque<InlineBytes8> verifier = new byte[Nfs3Constants.Nfs3Cookieverfsize];
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            var result = await nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Dircount = DirCount, Maxcount = MaxCount });
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (result.Status != Nfsstat3.Nfs3Ok)
                throw new InvalidOperationException($"READDIRPLUS at cookie {cookie}: {result.Status}");
            int count = 0;
            foreach (var entry in result.Resok.Reply.Entries)
            {
                cookie = entry.Cookie;
                count++;
            }
            pages.Add(new Page(before, count, seconds));
            before += count;
            verifier = result.Resok.Cookieverf;
            if (result.Resok.Reply.Eof)
                return pages;
            if (count == 0)
                throw new InvalidOperationException($"READDIRPLUS at cookie {cookie}: no entries and no EOF");
        }
    }
}
