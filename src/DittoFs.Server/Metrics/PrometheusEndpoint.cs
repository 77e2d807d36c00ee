using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Serves the <see cref="DittoMetrics.MeterName"/> meter in the Prometheus text format at http://*:PORT/metrics,
/// through OpenTelemetry's HttpListener exporter. Values are read from the instruments when scraped, so between
/// scrapes the endpoint costs nothing. No scope labels or target_info series: a scrape job names its target itself.
/// </summary>
internal static class PrometheusEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Starts listening; throws a <see cref="StartupException"/> naming metrics.port if the port cannot be bound.</summary>
    public static MeterProvider Start(int port)
    {
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
                    // usually scrapes from another one, so listen on every IPv4 address instead.
                    options.ConfigureHttpListener = static (options, listener) =>
                    {
                        listener.Prefixes.Clear();
                        listener.Prefixes.Add($"http://+:{options.Port}{Path}/");
                    };
                })
                .Build();
        }
        catch (InvalidOperationException exception)
        {
            throw new StartupException($"the metrics endpoint cannot listen on port {port}: {exception.InnerException?.Message ?? exception.Message}; " +
                "give a free port, or 0 to turn metrics off", "metrics.port", exception);
        }
    }
}
