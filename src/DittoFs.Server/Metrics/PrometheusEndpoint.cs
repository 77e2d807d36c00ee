using System.Net;
using System.Net.Sockets;
using DittoFs.Server.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The metrics port: <c>/metrics</c> serves the <see cref="DittoMetrics.MeterName"/> meter and the runtime's own
/// <c>System.Runtime</c> meter (CPU, memory, GC, thread pool) in the Prometheus text format; <c>/healthz</c> answers
/// 200 while the server serves and 503 while it starts or stops (for load balancers and orchestrators). Values are read
/// from the instruments when scraped, so between scrapes the endpoint costs nothing. HTTP/1.1 through our
/// <see cref="HttpResponder"/>, on every IPv6 and IPv4 address or metrics.address; the exposition is ours
/// (<see cref="PrometheusExposition"/>) on OpenTelemetry's stable SDK.
/// </summary>
internal sealed class PrometheusEndpoint : IDisposable
{
    public const string Path = "/metrics";
    public const string HealthPath = "/healthz";

    /// <summary>The runtime's meter (.NET 9 and later): process CPU time and working set, GC, thread pool, exceptions.</summary>
    private const string RuntimeMeterName = "System.Runtime";

    private const string TextPlain = "text/plain; charset=utf-8";

    private readonly MeterProvider _provider;
    private readonly BaseExportingMetricReader _reader;
    private readonly PrometheusExposition _exposition;
    private readonly HttpResponder _http;
    private int _health = (int)ServerHealth.Starting;

    private PrometheusEndpoint(IPAddress address, int port)
    {
        _exposition = new PrometheusExposition();
        _reader = new BaseExportingMetricReader(_exposition);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(DittoMetrics.MeterName, RuntimeMeterName)
            .AddReader(_reader)
            .Build();
        try
        {
            _http = HttpResponder.Start(address, port, Answer);
        }
        catch
        {
            _provider.Dispose();
            throw;
        }
    }

    /// <summary>What <c>/healthz</c> says; <see cref="ServerHealth.Starting"/> until the server is serving.</summary>
    public ServerHealth Health
    {
        get => (ServerHealth)Volatile.Read(ref _health);
        set => Volatile.Write(ref _health, (int)value);
    }

    /// <summary>Where it listens (the port chosen when metrics.port is taken from a test's free port).</summary>
    public IPEndPoint LocalEndPoint => _http.LocalEndPoint;

    /// <summary>
    /// Starts listening on <paramref name="address"/> (metrics.address, validated; "" is every IPv6 and IPv4 address, as
    /// for the NFS port) and <paramref name="port"/>; throws a <see cref="StartupException"/> naming metrics.port (or
    /// metrics.address) if they cannot be bound.
    /// </summary>
    public static PrometheusEndpoint Start(string address, int port)
    {
        var bound = ListenAddress.ToBind(address, "metrics.address");
        try
        {
            return new PrometheusEndpoint(bound, port);
        }
        catch (SocketException exception)
        {
            bool badAddress = exception.SocketErrorCode == SocketError.AddressNotAvailable;
            string where = address.Trim().Length == 0 ? $"port {port}" : $"{address.Trim()} port {port}";
            throw new StartupException($"the metrics endpoint cannot listen on {where}: {exception.Message}; " +
                (badAddress ? "give an address of this host" : "give a free port, or 0 to turn metrics off"), badAddress ? "metrics.address" : "metrics.port", exception);
        }
    }

    private HttpAnswer Answer(string path) => path switch
    {
        Path => new HttpAnswer(200, "text/plain; version=0.0.4; charset=utf-8", _exposition.Scrape(_reader)),
        HealthPath => new HttpAnswer(Health == ServerHealth.Serving ? 200 : 503, TextPlain, Health.ToString().ToLowerInvariant() + "\n"),
        _ => new HttpAnswer(404, TextPlain, $"{Path} and {HealthPath} are served here\n"),
    };

    public void Dispose()
    {
        _http.Dispose();
        _provider.Dispose();
    }
}
