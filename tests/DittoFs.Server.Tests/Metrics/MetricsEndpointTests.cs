using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>A server started from configuration, with metrics on and off, scraped over HTTP.</summary>
[NonParallelizable]
public sealed class MetricsEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal static DittoConfig MemoryConfig(bool metrics, int metricsPort = 0) => new()
    {
        Server = new ServerSection { Port = 0, Portmap = "false" },
        Metrics = new MetricsSection { Enabled = metrics, Port = metricsPort },
        Metadata = new() { Stores = { ["meta"] = new MetadataStoreConfig { Type = "memory" } } },
        Content = new() { Stores = { ["bytes"] = new ContentStoreConfig { Type = "memory" } } },
        Shares = { new ShareConfig { Name = "/export", MetadataStore = "meta", ContentStore = "bytes" } },
    };

    private static async Task NfsNullAsync(DittoServer server)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        await new NfsV3Client(rpc).NullAsync().AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task The_endpoint_serves_the_instruments_in_prometheus_text_format_with_seconds_buckets()
    {
        int port = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(MemoryConfig(metrics: true, port), NullLoggerFactory.Instance);
        await NfsNullAsync(server);

        using var http = new HttpClient { Timeout = Timeout };
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        Assert.That(text, Does.Contain("# TYPE dittofs_rpc_requests_total counter"));
        Assert.That(text, Does.Contain("dittofs_rpc_requests_total{procedure=\"NULL\",program=\"nfs\",status=\"SUCCESS\"} 1"));
        Assert.That(text, Does.Contain("# TYPE dittofs_rpc_request_duration_seconds histogram"));
        Assert.That(text, Does.Contain("dittofs_rpc_request_duration_seconds_bucket{procedure=\"NULL\",program=\"nfs\",le=\"5E-05\"}"));
        Assert.That(text, Does.Contain("dittofs_rpc_request_duration_seconds_bucket{procedure=\"NULL\",program=\"nfs\",le=\"10\"}"));
        Assert.That(text, Does.Contain("# TYPE dittofs_rpc_active_connections gauge"));
        Assert.That(text, Does.Not.Contain("otel_scope_name"), "no scope labels");
    }

    /// <summary>An NLM v4 LOCK of the share root's first ten bytes by <paramref name="caller"/>: its status.</summary>
    internal static async Task<Nlm4Stats> LockRootAsync(DittoServer server, string caller)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        var root = server.Shares.All.Single().RootHandle.ToArray();
        var reply = await new NlmV4Client(rpc).LockAsync(new Nlm4Lockargs
        {
            Cookie = new byte[] { 1 },
            Exclusive = true,
            Alock = new Nlm4Lock { CallerName = System.Text.Encoding.UTF8.GetBytes(caller), Fh = root, Oh = new byte[] { 2 }, Svid = 3, LOffset = 0, LLen = 10 },
        }).AsTask().WaitAsync(Timeout);
        return reply.Stat.Stat;
    }

    [Test]
    public async Task NFSv4_operations_are_counted_by_operation_and_status()
    {
        int port = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(MemoryConfig(metrics: true, port), NullLoggerFactory.Instance);
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        var v4 = new Nfs4V4Client(rpc);
        Task<Compound4Res> Compound(params NfsArgop4[] operations) =>
            v4.CompoundAsync(new Compound4Args { Tag = Array.Empty<byte>(), Minorversion = 0, Argarray = operations }).AsTask().WaitAsync(Timeout);
        await Compound(new NfsArgop4(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = new uint[] { 1u << 1 } }));
        var failed = await Compound(new NfsArgop4(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "absent"u8.ToArray() }));
        Assert.That(failed.Status, Is.EqualTo(Nfsstat4.Nfs4errNoent));

        using var http = new HttpClient { Timeout = Timeout };
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.That(text, Does.Contain("dittofs_nfs4_operations_total{operation=\"PUTROOTFH\",status=\"NFS4_OK\"} 2"), text);
        Assert.That(text, Does.Contain("dittofs_nfs4_operations_total{operation=\"GETATTR\",status=\"NFS4_OK\"} 1"));
        Assert.That(text, Does.Contain("dittofs_nfs4_operations_total{operation=\"LOOKUP\",status=\"NFS4ERR_NOENT\"} 1"));
        Assert.That(text, Does.Contain("dittofs_rpc_requests_total{procedure=\"COMPOUND\",program=\"nfs4\",status=\"SUCCESS\"} 2"));
    }

    [Test]
    public async Task Lock_gauges_and_nlm_counters_are_scraped()
    {
        int port = HotPathAllocationTests.FreePort();
        var config = MemoryConfig(metrics: true, port);
        config.Locks.GracePeriod = "0s";
        await using var server = await DittoServer.StartAsync(config, NullLoggerFactory.Instance);
        Assert.That(await LockRootAsync(server, "host-a"), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockRootAsync(server, "host-b"), Is.EqualTo(Nlm4Stats.Nlm4Denied));

        using var http = new HttpClient { Timeout = Timeout };
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        Assert.That(text, Does.Contain("dittofs_locks_held{share=\"/export\"} 1"), text);
        Assert.That(text, Does.Contain("dittofs_locks_waiters{share=\"/export\"} 0"));
        Assert.That(text, Does.Contain("dittofs_nlm_grants_total{kind=\"immediate\"} 1"));
        Assert.That(text, Does.Contain("\ndittofs_nlm_denials_total 1\n"));
    }

    /// <summary>The metered content store must still lend, or every large READ is copied again (it was, once).</summary>
    [Test]
    public async Task With_metrics_on_an_in_memory_share_still_lends_its_bytes_to_READ_replies()
    {
        await using var server = await DittoServer.StartAsync(MemoryConfig(metrics: true, HotPathAllocationTests.FreePort()), NullLoggerFactory.Instance);

        Assert.That(server.Shares.All.Single().FileSystem.Content, Is.InstanceOf<DittoFs.Storage.IContentLending>());
    }

    [TestCase(false, 9090, TestName = "With metrics.enabled false the server creates no instruments at all")]
    [TestCase(true, 0, TestName = "With metrics.port 0 the server creates no instruments at all")]
    public async Task Metrics_off_means_no_instruments(bool enabled, int port)
    {
        int published = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == DittoMetrics.MeterName)
                    Interlocked.Increment(ref published);
            },
        };
        listener.Start();

        await using (var server = await DittoServer.StartAsync(MemoryConfig(enabled, port), NullLoggerFactory.Instance))
            await NfsNullAsync(server);

        Assert.That(published, Is.Zero);
    }

    [Test]
    public async Task Healthz_says_serving_and_other_paths_are_not_found()
    {
        int port = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(MemoryConfig(metrics: true, port), NullLoggerFactory.Instance);
        using var http = new HttpClient { Timeout = Timeout };

        using var health = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("serving\n"));
        using var other = await http.GetAsync($"http://127.0.0.1:{port}/other");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        await server.StopAsync();
        using var stopping = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
        Assert.That(stopping.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "stopped but not disposed: still answering, not serving");
        Assert.That(await stopping.Content.ReadAsStringAsync(), Is.EqualTo("stopping\n"));
    }

    [Test]
    public async Task A_taken_metrics_port_fails_the_start_and_names_the_port()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var failure = await Assert.ThrowsAsync<StartupException>(() => DittoServer.StartAsync(MemoryConfig(metrics: true, port), NullLoggerFactory.Instance));

        Assert.That(failure!.Problem, Does.Contain($"port {port}"));
        Assert.That(failure.Key, Is.EqualTo("metrics.port"));
    }
}
