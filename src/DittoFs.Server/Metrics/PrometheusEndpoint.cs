using DittoFs.Server.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Serves the <see cref="DittoMetrics.MeterName"/> meter in the Prometheus text format at http://*:PORT/metrics (or one address, metrics.address),
/// through OpenTelemetry's HttpListener exporter. Values are read from the instruments when scraped, so between
/// scrapes the endpoint costs nothing. No scope labels or target_info series: a scrape job names its target itself.
/// </summary>
internal static class PrometheusEndpoint
{
    public const string Path = "/metrics";

    /// <summary>
    /// Starts listening on <paramref name="address"/> (metrics.address, validated) and <paramref name="port"/>; throws a
    /// <see cref="StartupException"/> naming metrics.port (or metrics.address) if they cannot be bound.
    /// </summary>
    public static MeterProvider Start(string address, int port)
    {
        string host = Host(address);
        try
        {
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter(DittoMetrics.MeterName)
                .AddPrometheusHttpListener(options =>
                {
                    options.Port = port;
                    options.ScrapeEndpointPath = Path;
                    options.ScopeInfoEnabled = false;
                    options.TargetInfoEnabled = false;
                    // The exporter's own prefix is http://localhost:PORT/, reachable from this host only; Prometheus
                    // usually scrapes from another one, so listen where metrics.address says.
                    options.ConfigureHttpListener = (options, listener) =>
                    {
                        listener.Prefixes.Clear();
                        listener.Prefixes.Add($"http://{host}:{options.Port}{Path}/");
                    };
                })
                .Build();
        }
        catch (InvalidOperationException exception)
        {
            // HttpListener reports the bind's errno: 99 is EADDRNOTAVAIL (not an address of this host).
            bool badAddress = exception.InnerException is System.Net.HttpListenerException { ErrorCode: 99 };
            string where = host == "+" ? $"port {port}" : $"{host} port {port}";
            throw new StartupException($"the metrics endpoint cannot listen on {where}: {exception.InnerException?.Message ?? exception.Message}; " +
                (badAddress ? "give an address of this host" : "give a free port, or 0 to turn metrics off"), badAddress ? "metrics.address" : "metrics.port", exception);
        }
    }

    /// <summary>
    /// The HttpListener host of metrics.address (validated: IPv4 only, since the managed HttpListener refuses IPv6
    /// prefixes, "Invalid port in prefix", and has no dual-stack mode): "+" (it binds 0.0.0.0) for "" or 0.0.0.0, else
    /// the address. A request is answered only when its Host header names that address, so a scraper given one address
    /// must use it in its URL.
    /// </summary>
    public static string Host(string address) =>
        !ListenAddress.TryParse(address, out var parsed) || parsed is null || parsed.Equals(System.Net.IPAddress.Any) ? "+" : parsed.ToString();
}
