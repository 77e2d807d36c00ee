using DittoFs.Storage.S3.Tests.Infrastructure;
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
        // Debian's nfs-ls: libnfs resets its connections when it closes them (SO_LINGER 0).
        NfsUtilitiesTests.Run("nfs-ls", $"nfs://127.0.0.1/export?version=3&nfsport={_server.Port}&mountport={_server.Port}");
        NfsUtilitiesTests.Run("nfs-ls", $"nfs://127.0.0.1/export?version=4&nfsport={_server.Port}");
        // Every connection's close is seen by the server after the client is gone: scrape until all are counted.
        for (int i = 0; ; i++)
        {
            _scrape = await ScrapeAsync(_metricsPort);
            if (_scrape.Sum("dittofs_rpc_connections_closed_total") >= _scrape.Sum("dittofs_rpc_connections_accepted_total") || i == 100)
                break;
            await Task.Delay(100);
        }
    }

    /// <summary>GET /metrics as Prometheus does: 200, text/plain, parsed.</summary>
    internal static async Task<PrometheusText> ScrapeAsync(int metricsPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
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
    [TestCase("dittofs_build_info", "gauge")]
    [TestCase("dotnet_process_cpu_time_seconds_total", "counter")]
    [TestCase("dotnet_process_memory_working_set_bytes", "gauge")]
    [TestCase("dotnet_gc_collections_total", "counter")]
    [TestCase("dotnet_gc_heap_total_allocated_bytes_total", "counter")]
    [TestCase("dotnet_thread_pool_thread_count", "gauge")]
    [TestCase("dotnet_thread_pool_queue_length", "gauge")]
    public void A_metric_family_is_exported_with_its_type(string family, string type) =>
        Assert.That(_scrape.Types.GetValueOrDefault(family), Is.EqualTo(type));

    [Test]
    public void Build_info_names_the_running_version()
    {
        var info = _scrape.Find("dittofs_build_info").Single();
        Assert.That(info.Value, Is.EqualTo(1));
        Assert.That(info.Labels["version"], Does.Match(@"^\d+\.\d+\.\d+"));
    }

    [Test]
    public void Process_and_runtime_series_have_the_values_of_a_running_process()
    {
        Assert.That(_scrape.Sum("dotnet_process_cpu_time_seconds_total", "cpu_mode=user"), Is.GreaterThan(0), "CPU time");
        Assert.That(_scrape.Sum("dotnet_process_memory_working_set_bytes"), Is.GreaterThan(10 * 1024 * 1024), "resident memory");
        Assert.That(_scrape.Sum("dotnet_gc_heap_total_allocated_bytes_total"), Is.GreaterThan(0), "GC");
        Assert.That(_scrape.Sum("dotnet_thread_pool_thread_count"), Is.GreaterThan(0), "thread pool");
    }

    [Test]
    public async Task Healthz_answers_200_while_serving()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync($"http://127.0.0.1:{_metricsPort}/healthz");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("serving\n"));
    }

    [Test]
    public void Closes_by_libnfs_count_as_client_closes_not_transport_errors()
    {
        Assert.That(_scrape.Sum("dittofs_rpc_connections_closed_total", "reason=client_closed"), Is.GreaterThanOrEqualTo(2), "nfs-ls's MOUNT and NFS connections");
        Assert.That(_scrape.Sum("dittofs_rpc_connections_closed_total", "reason=transport_error"), Is.Zero);
    }

    /// <summary>
    /// packaging/grafana/dittofs-dashboard.json loads against what the server exports: every query (panels and
    /// variables) names at least one series, and every series it names is in the scrape.
    /// </summary>
    [Test]
    public void Every_query_of_the_Grafana_dashboard_names_series_the_server_exposes()
    {
        string path = Path.Combine(RepositoryRoot.Find(), "packaging", "grafana", "dittofs-dashboard.json");
        using var dashboard = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var queries = new List<string>();
        void Collect(System.Text.Json.JsonElement element)
        {
            if (element.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" or "definition" && property.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                        queries.Add(property.Value.GetString()!);
                    Collect(property.Value);
                }
            }
            else if (element.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                    Collect(item);
            }
        }
        Collect(dashboard.RootElement);
        Assert.That(queries, Has.Count.GreaterThan(20));
        var exposed = _scrape.Samples.Select(sample => sample.Name).ToHashSet();
        foreach (string query in queries)
        {
            var named = System.Text.RegularExpressions.Regex.Matches(query, @"\b(?:dittofs|dotnet)_[a-z0-9_]+\b").Select(match => match.Value).ToList();
            Assert.That(named, Is.Not.Empty, $"query names no series: {query}");
            Assert.That(named, Is.SubsetOf(exposed), $"query names a series the server does not expose: {query}");
        }
    }

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
