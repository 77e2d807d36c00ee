using System.Diagnostics.Metrics;
using DittoFs.Server.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>The text exposition: OpenTelemetry's Prometheus names, escaping, and histogram series.</summary>
public sealed class PrometheusExpositionTests
{
    [TestCase("dittofs.rpc.requests", "{request}", true, false, "dittofs_rpc_requests_total")]
    [TestCase("dittofs.rpc.request.duration", "s", false, false, "dittofs_rpc_request_duration_seconds")]
    [TestCase("dittofs.nfs.read", "By", true, false, "dittofs_nfs_read_bytes_total")]
    [TestCase("dittofs.rpc.pending_record_bytes", "By", false, true, "dittofs_rpc_pending_record_bytes")]
    [TestCase("dotnet.gc.heap.total_allocated", "By", true, false, "dotnet_gc_heap_total_allocated_bytes_total")]
    [TestCase("some.usage", "1", false, true, "some_usage_ratio")]
    [TestCase("some.rate", "By/s", false, true, "some_rate_bytes_per_second")]
    [TestCase("dittofs.build_info", null, false, true, "dittofs_build_info")]
    public void Names_follow_OpenTelemetry_Prometheus_conventions(string instrument, string? unit, bool counter, bool gauge, string expected) =>
        Assert.That(PrometheusExposition.Name(instrument, unit, counter, gauge), Is.EqualTo(expected));

    [Test]
    public void A_scrape_escapes_help_and_label_values_and_writes_cumulative_buckets()
    {
        using var meter = new Meter($"DittoFs.Tests.Exposition.{Guid.NewGuid():N}");
        var exposition = new PrometheusExposition();
        var reader = new BaseExportingMetricReader(exposition);
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(reader).Build();
        meter.CreateCounter<long>("test.calls", "{call}", "calls\nby path").Add(3, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        var histogram = meter.CreateHistogram("test.wait", "s", null, null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1] });
        histogram.Record(0.25);
        histogram.Record(0.75);
        histogram.Record(5);

        string text = exposition.Scrape(reader);

        Assert.That(text, Does.Contain("# HELP test_calls_total calls\\nby path\n# TYPE test_calls_total counter\ntest_calls_total{path=\"a\\\"b\\\\c\\nd\"} 3\n"));
        Assert.That(text, Does.Contain(
            "# TYPE test_wait_seconds histogram\n" +
            "test_wait_seconds_bucket{le=\"0.5\"} 1\n" +
            "test_wait_seconds_bucket{le=\"1\"} 2\n" +
            "test_wait_seconds_bucket{le=\"+Inf\"} 3\n" +
            "test_wait_seconds_sum 6\n" +
            "test_wait_seconds_count 3\n"));
    }
}
