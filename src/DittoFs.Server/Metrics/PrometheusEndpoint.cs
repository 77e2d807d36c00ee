using System.Net;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The metrics port: <c>/metrics</c> serves the <see cref="DittoMetrics.MeterName"/> meter and the runtime's own
/// <c>System.Runtime</c> meter (CPU, memory, GC, thread pool) in the Prometheus text format; <c>/healthz</c> answers
/// 200 while the server serves and 503 while it starts or stops (for load balancers and orchestrators). Values are read
/// from the instruments when scraped, so between scrapes the endpoint costs nothing. HTTP/1.1 through the runtime's
/// <see cref="HttpListener"/>, on every address; the exposition is ours (<see cref="PrometheusExposition"/>) on
/// OpenTelemetry's stable SDK.
/// </summary>
internal sealed class PrometheusEndpoint : IDisposable
{
    public const string Path = "/metrics";
    public const string HealthPath = "/healthz";

    /// <summary>The runtime's meter (.NET 9 and later): process CPU time and working set, GC, thread pool, exceptions.</summary>
    private const string RuntimeMeterName = "System.Runtime";

    private readonly HttpListener _listener;
    private readonly MeterProvider _provider;
    private readonly BaseExportingMetricReader _reader;
    private readonly PrometheusExposition _exposition;
    private readonly Task _serving;
    private int _health = (int)ServerHealth.Starting;

    private PrometheusEndpoint(HttpListener listener, MeterProvider provider, BaseExportingMetricReader reader, PrometheusExposition exposition)
    {
        _listener = listener;
        _provider = provider;
        _reader = reader;
        _exposition = exposition;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>What <c>/healthz</c> says; <see cref="ServerHealth.Starting"/> until the server is serving.</summary>
    public ServerHealth Health
    {
        get => (ServerHealth)Volatile.Read(ref _health);
        set => Volatile.Write(ref _health, (int)value);
    }

    /// <summary>Starts listening; throws a <see cref="StartupException"/> naming metrics.port if the port cannot be bound.</summary>
    public static PrometheusEndpoint Start(int port)
    {
        var listener = new HttpListener();
        // Every address: Prometheus usually scrapes from another host.
        listener.Prefixes.Add($"http://+:{port}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException exception)
        {
            listener.Close();
            throw new StartupException($"the metrics endpoint cannot listen on port {port}: {exception.Message}; " +
                "give a free port, or 0 to turn metrics off", "metrics.port", exception);
        }
        var exposition = new PrometheusExposition();
        var reader = new BaseExportingMetricReader(exposition);
        var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(DittoMetrics.MeterName, RuntimeMeterName)
            .AddReader(reader)
            .Build();
        return new PrometheusEndpoint(listener, provider, reader, exposition);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            // Each request on its own: a client that does not read its answer must not hold up /healthz for others.
            _ = Task.Run(() => AnswerQuietly(context));
        }
    }

    private void AnswerQuietly(HttpListenerContext context)
    {
        try
        {
            Answer(context);
        }
        catch (Exception exception) when (exception is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away mid-answer, or the endpoint is closing.
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        string path = context.Request.Url?.AbsolutePath ?? "";
        if (context.Request.HttpMethod != "GET")
            Send(response, 405, "text/plain; charset=utf-8", "GET only\n");
        else if (path == Path)
            Send(response, 200, "text/plain; version=0.0.4; charset=utf-8", _exposition.Scrape(_reader));
        else if (path == HealthPath)
            Send(response, Health == ServerHealth.Serving ? 200 : 503, "text/plain; charset=utf-8", Health.ToString().ToLowerInvariant() + "\n");
        else
            Send(response, 404, "text/plain; charset=utf-8", $"{Path} and {HealthPath} are served here\n");
    }

    private static void Send(HttpListenerResponse response, int status, string contentType, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
        _provider.Dispose();
    }
}
