using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The real server with --metrics-port, driven by libnfs, scraped over HTTP and parsed as Prometheus would: the
/// metric families exist with the right types, and the counts moved with the traffic.
/// </summary>
[TestFixture]
public sealed class MetricsEndpointTests
{
    private const int FileSize = 3 * 1024 * 1024 + 17;
    private DittoFsProcess _server = null!;
    private int _metricsPort;
    private PrometheusText _scrape = null!;

    [OneTimeSetUp]
    public async Task DriveTrafficAndScrape()
    {
        _metricsPort = DittoFsProcess.FreePort();
        _server = DittoFsProcess.Start("--metrics-port", _metricsPort.ToString());
        var content = new byte[FileSize];
        new Random(5).NextBytes(content);
        using (var nfs = LibNfsMount.Connect(_server.Port))
        {
            nfs.WriteFile("/metered.bin", content);
            Assert.That(nfs.ReadFile("/metered.bin"), Is.EqualTo(content));
            Assert.That(nfs.Stat("/no-such-file", out _), Is.EqualTo(-LibNfsMount.ENOENT));
        }
        // The lock manager (v1 and v4) and the status monitor, through the generated clients on the NFS port.
        await using (var rpc = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(30) }))
        {
            await new NlmV1Client(rpc).NullAsync();
            await new NlmV4Client(rpc).TestAsync(new Nlm4Testargs
            {
                Cookie = new byte[4],
                Exclusive = true,
                Alock = new Nlm4Lock { CallerName = "metrics-e2e"u8.ToArray(), Fh = new byte[8], Oh = new byte[4], Svid = 1, LLen = 1 },
            });
            await new SmV1Client(rpc).StatAsync(new SmName { MonName = "metrics-e2e"u8.ToArray() });
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync($"http://127.0.0.1:{_metricsPort}/metrics");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        _scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public void Stop() => _server?.Dispose();

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("dittofs output:\n" + _server.Output);
    }

    [TestCase("dittofs_rpc_requests_total", "counter")]
    [TestCase("dittofs_rpc_request_duration_seconds", "histogram")]
    [TestCase("dittofs_rpc_in_flight_requests", "gauge")]
    [TestCase("dittofs_rpc_active_connections", "gauge")]
    [TestCase("dittofs_rpc_connections_accepted_total", "counter")]
    [TestCase("dittofs_rpc_connections_closed_total", "counter")]
    [TestCase("dittofs_rpc_pending_record_bytes", "gauge")]
    [TestCase("dittofs_rpc_connections_waiting_for_record_budget", "gauge")]
    [TestCase("dittofs_nfs_operations_total", "counter")]
    [TestCase("dittofs_nfs_read_bytes_total", "counter")]
    [TestCase("dittofs_nfs_write_bytes_total", "counter")]
    public void A_metric_family_is_exported_with_its_type(string family, string type) =>
        Assert.That(_scrape.Types.GetValueOrDefault(family), Is.EqualTo(type));

    [Test]
    public void Requests_are_counted_by_program_procedure_and_rpc_status()
    {
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=nfs", "procedure=GETATTR", "status=SUCCESS"), Is.GreaterThan(0));
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=mount", "procedure=MNT", "status=SUCCESS"), Is.GreaterThan(0));
    }

    [Test]
    public void Lock_manager_and_status_monitor_calls_are_counted_under_their_own_programs()
    {
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=nlm", "procedure=NULL", "status=SUCCESS"), Is.EqualTo(1));
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=nlm", "procedure=TEST", "status=SUCCESS"), Is.EqualTo(1));
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=nsm", "procedure=STAT", "status=SUCCESS"), Is.EqualTo(1));
        Assert.That(_scrape.Sum("dittofs_rpc_requests_total", "program=other"), Is.Zero);
    }

    [Test]
    public void Nfs_operations_are_counted_per_share_with_the_nfsstat3_of_the_reply()
    {
        Assert.That(_scrape.Sum("dittofs_nfs_operations_total", "share=/export", "procedure=WRITE", "status=NFS3_OK"), Is.GreaterThan(0));
        Assert.That(_scrape.Sum("dittofs_nfs_operations_total", "share=/export", "procedure=LOOKUP", "status=NFS3ERR_NOENT"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Bytes_written_and_read_cover_the_file()
    {
        Assert.That(_scrape.Sum("dittofs_nfs_write_bytes_total", "share=/export"), Is.GreaterThanOrEqualTo(FileSize));
        Assert.That(_scrape.Sum("dittofs_nfs_read_bytes_total", "share=/export"), Is.GreaterThanOrEqualTo(FileSize));
    }

    [Test]
    public void Connections_were_accepted_and_closed_and_none_is_open_now()
    {
        Assert.That(_scrape.Sum("dittofs_rpc_connections_accepted_total"), Is.GreaterThanOrEqualTo(1));
        Assert.That(_scrape.Sum("dittofs_rpc_connections_closed_total"), Is.GreaterThanOrEqualTo(1));
        Assert.That(_scrape.Sum("dittofs_rpc_in_flight_requests"), Is.Zero);
    }

    [Test]
    public void The_duration_histogram_has_seconds_buckets_from_50_microseconds_to_10_seconds_and_counted_the_writes()
    {
        var buckets = _scrape.Find("dittofs_rpc_request_duration_seconds_bucket", "program=nfs", "procedure=WRITE").ToList();
        double[] expected = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, double.PositiveInfinity];
        Assert.That(buckets.Select(b => PrometheusText.Number(b.Labels["le"])), Is.EqualTo(expected));
        Assert.That(buckets.Select(b => b.Value), Is.Ordered, "buckets are cumulative");

        double count = _scrape.Sum("dittofs_rpc_request_duration_seconds_count", "program=nfs", "procedure=WRITE");
        Assert.That(count, Is.GreaterThan(0));
        Assert.That(buckets[^1].Value, Is.EqualTo(count), "the +Inf bucket holds every observation");
        Assert.That(_scrape.Sum("dittofs_rpc_request_duration_seconds_sum", "program=nfs", "procedure=WRITE"), Is.GreaterThan(0).And.LessThan(count * 10));
    }
}
