using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Xdr;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The metrics of one running server: its instruments, the Prometheus endpoint exporting them, and the decorators
/// that feed them from outside the NFS service (the RPC observer, metered programs, the metered NFS service, metered
/// stores). Only created when metrics are on: with them off the server runs with none of these, so they cost nothing.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    private readonly MeterProvider _endpoint;

    private ServerMetrics(DittoMetrics instruments, MeterProvider endpoint)
    {
        Instruments = instruments;
        _endpoint = endpoint;
        Observer = new RpcMetricsObserver(instruments);
    }

    public DittoMetrics Instruments { get; }

    /// <summary>Connection and call counts from the RPC server.</summary>
    public IRpcServerObserver Observer { get; }

    /// <summary>Starts the instruments and the Prometheus endpoint on <paramref name="port"/>.</summary>
    public static ServerMetrics Start(int port)
    {
        var instruments = new DittoMetrics();
        try
        {
            return new ServerMetrics(instruments, PrometheusEndpoint.Start(port));
        }
        catch
        {
            instruments.Dispose();
            throw;
        }
    }

    public IMetadataStore Meter(IMetadataStore store, string name, string backend) =>
        new MeteredMetadataStore(store, new StoreErrorMeter(Instruments, name, "metadata", backend));

    public IContentStore Meter(IContentStore store, string name, string backend) =>
        MeteredContentStore.Wrap(store, new StoreErrorMeter(Instruments, name, "content", backend));

    /// <summary>Wraps each program the metrics know by name, to count its calls in flight.</summary>
    public IReadOnlyList<IXdrProgram<RpcCallContext>> Meter(IEnumerable<IXdrProgram<RpcCallContext>> programs) =>
        programs
            .Select(program => MetricTags.Find(program.Program, program.Version) is { } tags ? new MeteredProgram(program, Instruments, tags) : program)
            .ToArray();

    /// <summary>The NFSv3 service counting its operations and READ/WRITE bytes by share (for <see cref="NfsPrograms.Create"/>).</summary>
    public INfsV3<RpcCallContext> Meter(INfsV3<RpcCallContext> service, ShareTable shares) =>
        new MeteredNfsService(service, Instruments, new ShareTags(shares));

    public void Dispose()
    {
        _endpoint.Dispose();
        Instruments.Dispose();
    }
}
