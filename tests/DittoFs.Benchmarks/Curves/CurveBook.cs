using System.Globalization;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// The curves of one run, by id, in the order curves.md shows them, and the issue's targets read off them: a rate at
/// the largest size within 25 % of the rate at the smallest, a page's cost flat over the directory, LOOKUP and CREATE
/// in a huge directory within 25 % of a small one, no throughput collapse at the most connections.
/// </summary>
internal sealed class CurveBook
{
    public const double Tolerance = 0.25;

    public static readonly string[] ShareOperations = ["CREATE+WRITE 4 KiB", "LOOKUP", "GETATTR", "REMOVE"];
    public static readonly string[] ClientWorkloads = ["GETATTR", "READ 4 KiB"];

    public Curve ShareRates { get; } = new("share-rates", "Files on a share: calls per second by the share's file count", "files on the share", "calls per second", logX: true);
    public Curve ShareRss { get; } = new("share-rss", "Server RSS per million files on the share", "files on the share", "MiB of resident set per million files (above the RSS before the first file)", logX: true);
    public Curve StartTime { get; } = new("start-time", "Server start with N files on the share", "files on the share", "seconds from the process's start to its first answered MOUNT and GETATTR", logX: true);
    public Curve Fsck { get; } = new("fsck", "dittofs fsck per million files", "files on the share", "seconds of `dittofs fsck` per million files", logX: true);
    public Curve ReaddirplusPages { get; } = new("readdirplus-pages", "READDIRPLUS entries per second by the page's position in the directory", "position of the page's cookie (% of the directory listed before it)", "entries per second (pages starting in this twentieth of the directory)", logX: false);
    public Curve HugeDirectory { get; } = new("huge-directory", "LOOKUP and CREATE in a huge directory and in a directory of 100 entries", "entries in the huge directory", "calls per second", logX: true);
    public Curve ClientThroughput { get; } = new("clients-throughput", "Aggregate throughput by client connections (16 calls in flight each)", "connections", "calls per second", logX: true);
    public Curve GetattrLatency { get; } = new("clients-latency-getattr", "GETATTR latency by client connections (16 calls in flight each)", "connections", "microseconds", logX: true);
    public Curve ReadLatency { get; } = new("clients-latency-read", "4 KiB random READ latency by client connections (16 calls in flight each)", "connections", "microseconds", logX: true);

    public Curve S3Throughput { get; } = new("s3-throughput", "S3 content: raw S3 against NFS at the same concurrency", "requests (raw S3, 4 MiB objects) or 1 MiB NFS calls in flight", "MiB per second", logX: true);

    /// <summary>S3 requests per NFS call of each S3 workload (s3 kind): what the workload was, and the counts.</summary>
    public List<(string Workload, S3RequestCounts PerCall)> S3Requests { get; } = [];

    public IEnumerable<Curve> Curves => [ShareRates, ShareRss, StartTime, Fsck, ReaddirplusPages, HugeDirectory, ClientThroughput, GetattrLatency, ReadLatency, S3Throughput];

    public static string HugeSeries(string store, string operation, bool huge) => $"{store} {operation} {(huge ? "huge" : "small (100)")}";

    /// <summary>The targets, each measured one as a line saying met or not met with its figures.</summary>
    public IEnumerable<string> Findings(CurveOptions options)
    {
        foreach (var (series, points) in ShareRates.Series)
        {
            var first = points.MinBy(point => point.X);
            var last = points.MaxBy(point => point.X);
            if (last.X > first.X)
                yield return Judge($"{series}: {Rate(last.Y)}/s at {CurveWriter.Count(last.X)} files against {Rate(first.Y)}/s at {CurveWriter.Count(first.X)}", last.Y / first.Y);
        }
        foreach (var (series, points) in ShareRss.Series)
            yield return $"{series}: RSS {CurveWriter.Figure(points.MaxBy(point => point.X).Y)} MiB per million files at {CurveWriter.Count(points.Max(point => point.X))} files (figure, no target)";
        foreach (var (series, points) in StartTime.Series)
            yield return $"{series}: {CurveWriter.Figure(points.MaxBy(point => point.X).Y)} s with {CurveWriter.Count(points.Max(point => point.X))} files, {CurveWriter.Figure(points.MinBy(point => point.X).Y)} s with {CurveWriter.Count(points.Min(point => point.X))} (figure; the target is that start does not scan the files)";
        foreach (var (series, points) in Fsck.Series)
            yield return $"{series}: fsck {CurveWriter.Figure(points.MaxBy(point => point.X).Y)} s per million files at {CurveWriter.Count(points.Max(point => point.X))} files (figure, no target)";
        foreach (var (series, points) in ReaddirplusPages.Series)
        {
            if (points.Count < 2)
                continue;
            var first = points.MinBy(point => point.X);
            var last = points.MaxBy(point => point.X);
            yield return Judge($"READDIRPLUS {series}: pages at the end {Rate(last.Y)} entries/s against {Rate(first.Y)} at the start (a page's cost must not grow with the cookie's position)", last.Y / first.Y);
        }
        foreach (string store in options.Stores)
        foreach (string operation in (string[])["LOOKUP", "CREATE"])
        foreach (var point in HugeDirectory.Series.Where(s => s.Name == HugeSeries(store, operation, huge: true)).SelectMany(s => s.Points))
        {
            if (HugeDirectory.At(HugeSeries(store, operation, huge: false), point.X) is double small)
                yield return Judge($"{store} {operation} in a {CurveWriter.Count(point.X)}-entry directory: {Rate(point.Y)}/s against {Rate(small)}/s in a small one", point.Y / small);
        }
        foreach (var (series, points) in ClientThroughput.Series)
        {
            var most = points.MaxBy(point => point.X);
            double best = points.Max(point => point.Y);
            if (points.Count > 1)
                yield return Judge($"{series} at {CurveWriter.Count(most.X)} connections: {Rate(most.Y)}/s against the best point's {Rate(best)}/s (no collapse)", most.Y / best);
        }
        foreach (var (nfs, raw) in new[] { (S3Curves.NfsWrite, S3Curves.RawPut), (S3Curves.NfsRead, S3Curves.RawGet) })
        foreach (var point in S3Throughput.Series.Where(s => s.Name == nfs).SelectMany(s => s.Points))
        {
            if (S3Throughput.At(raw, point.X) is double rawRate)
                yield return Judge($"{nfs} with {CurveWriter.Count(point.X)} in flight: {Rate(point.Y)} MiB/s against {raw}'s {Rate(rawRate)} MiB/s", point.Y / rawRate, S3Curves.SequentialTarget);
        }
        foreach (var (workload, perCall) in S3Requests)
            yield return $"S3 requests per NFS call, {workload}: {perCall} (figure, no target)";
    }

    /// <summary>
    /// "met" when the ratio is at least <paramref name="minimum"/> (by default 1 − 25 %), with the ratio rounded down
    /// (so 0.749, not met, never reads 0.75).
    /// </summary>
    internal static string Judge(string what, double ratio, double minimum = 1 - Tolerance) =>
        $"{(ratio >= minimum ? "met" : "**not met**")}: {what} (ratio {(Math.Floor(ratio * 100) / 100).ToString("0.00", CultureInfo.InvariantCulture)})";

    private static string Rate(double value) => CurveWriter.Figure(value);
}
