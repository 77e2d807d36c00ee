using DittoFs.Tools.Nfs.Bench;

namespace DittoFs.Tools.Tests;

public class LatencyHistogramTests
{
    [Test]
    public void Percentiles_are_within_one_bucket_below_the_recorded_value()
    {
        var histogram = new LatencyHistogram();
        for (int microseconds = 1; microseconds <= 1000; microseconds++)
            histogram.RecordNanoseconds(microseconds * 1000L);
        // ranks ceil(q * 1000): the 500th, 990th and 999th latency.
        foreach (var (quantile, expected) in new[] { (0.5, 500.0), (0.99, 990.0), (0.999, 999.0) })
        {
            double value = histogram.PercentileMicroseconds(quantile);
            Assert.That(value, Is.InRange(expected * (1 - 1.0 / 128), expected), $"p{quantile * 100}");
        }
    }

    [Test]
    public void The_tail_shows_in_p999()
    {
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 998; i++)
            histogram.RecordNanoseconds(100_000);
        histogram.RecordNanoseconds(50_000_000);
        histogram.RecordNanoseconds(50_000_000);
        Assert.That(histogram.PercentileMicroseconds(0.99), Is.InRange(99.0, 100.0));
        Assert.That(histogram.PercentileMicroseconds(0.999), Is.InRange(49_700.0, 50_000.0));
        Assert.That(histogram.Count, Is.EqualTo(1000));
    }

    [Test]
    public void Small_values_are_exact_and_an_empty_histogram_reads_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.That(histogram.PercentileMicroseconds(0.5), Is.Zero);
        histogram.RecordNanoseconds(200);
        Assert.That(histogram.PercentileMicroseconds(0.5), Is.EqualTo(0.2));
    }

    [Test]
    public void Every_bucket_starts_at_a_value_that_maps_back_to_it()
    {
        for (long value = 1; value < 1L << 42; value = value * 3 / 2 + 1)
        {
            int index = LatencyHistogram.Index(value);
            long lowest = LatencyHistogram.LowestValue(index);
            Assert.That(LatencyHistogram.Index(lowest), Is.EqualTo(index), $"value {value}");
            Assert.That(value - lowest, Is.LessThanOrEqualTo(value / 128), $"value {value}");
            Assert.That(LatencyHistogram.Index(lowest - 1), Is.EqualTo(index - 1), $"value {value}: buckets are contiguous");
        }
    }

    [Test]
    public void Recording_allocates_nothing()
    {
        var histogram = new LatencyHistogram();
        histogram.RecordSince(System.Diagnostics.Stopwatch.GetTimestamp());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
            histogram.RecordSince(System.Diagnostics.Stopwatch.GetTimestamp() - i);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Concurrent_records_are_all_counted()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
                histogram.RecordNanoseconds(1000 + i);
        });
        Assert.That(histogram.Count, Is.EqualTo(80_000));
    }

    [Test]
    public void A_bench_line_carries_p999_and_the_curves_read_its_figures()
    {
        var result = new LoadResult("getattr", TimeSpan.FromSeconds(2), 1000, 0, 250.4, 4100, 9000.6, 0);
        string line = result.Format();
        Assert.That(line, Does.Contain("ops_per_s=500 ").And.Contain("p50_us=250 p99_us=4100 p999_us=9001 errors=0"));
        var figures = DittoFs.Benchmarks.Curves.ClientCurves.Figures(line + " io_kib=4");
        Assert.That((figures["ops_per_s"], figures["p999_us"], figures["io_kib"], figures.ContainsKey("workload")), Is.EqualTo((500.0, 9001.0, 4.0, false)));
    }
}
