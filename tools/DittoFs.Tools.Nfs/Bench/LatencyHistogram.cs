using System.Diagnostics;
using System.Numerics;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// Latencies counted in log-linear buckets (HdrHistogram's layout): exact below 256 ns, then 128 buckets per power of
/// two, so a percentile read back is at most 1/128 (0.8 %) below the value recorded. One fixed array for any number of
/// calls: recording allocates nothing and is safe from many workers at once (one interlocked increment), so the load
/// keeps every call's latency, not a sample. Values from 1 ns to about 2^42 ns (73 minutes); longer ones count as that.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits; // 128
    private const int MaxMagnitude = 42;
    private static readonly int BucketCount = Index((1L << MaxMagnitude) - 1) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;

    public long Count => Interlocked.Read(ref _total);

    /// <summary>Records one latency given in nanoseconds (clamped to the range above).</summary>
    public void RecordNanoseconds(long nanoseconds)
    {
        Interlocked.Increment(ref _counts[Index(Math.Clamp(nanoseconds, 0, (1L << MaxMagnitude) - 1))]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>Records the time since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public void RecordSince(long startTimestamp) =>
        RecordNanoseconds((long)((Stopwatch.GetTimestamp() - startTimestamp) * (1e9 / Stopwatch.Frequency)));

    /// <summary>
    /// The latency in microseconds that a fraction <paramref name="quantile"/> of the calls did not exceed (the
    /// lower bound of the bucket holding the call of rank ceil(q × count)); 0 with nothing recorded.
    /// </summary>
    public double PercentileMicroseconds(double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        long total = Count;
        if (total == 0)
            return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (int index = 0; index < _counts.Length; index++)
        {
            seen += Interlocked.Read(ref _counts[index]);
            if (seen >= rank)
                return LowestValue(index) / 1000.0;
        }
        return LowestValue(_counts.Length - 1) / 1000.0;
    }

    /// <summary>Below 256 a value is its own bucket; above, its top 8 significant bits pick one of 128 per power of two.</summary>
    internal static int Index(long value)
    {
        if (value < 2 * SubBuckets)
            return (int)value;
        int shift = (63 - BitOperations.LeadingZeroCount((ulong)value)) - SubBucketBits;
        return (shift * SubBuckets) + (int)(value >> shift);
    }

    /// <summary>The smallest value that falls in bucket <paramref name="index"/> (the inverse of <see cref="Index"/>).</summary>
    internal static long LowestValue(int index)
    {
        if (index < 2 * SubBuckets)
            return index;
        int shift = (index / SubBuckets) - 1;
        return (long)(index - (shift * SubBuckets)) << shift;
    }
}
