using System.Diagnostics.Metrics;
using System.Reflection;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The instruments of one server on the <see cref="MeterName"/> meter: the Prometheus endpoint exports them, and
/// dotnet-counters (<c>dotnet-counters monitor -p PID --counters DittoFs</c>) reads the same ones. Names follow
/// OpenTelemetry's dotted style; the exporter turns <c>dittofs.rpc.requests</c> with unit <c>{request}</c> into
/// <c>dittofs_rpc_requests_total</c> and unit <c>s</c> into a <c>_seconds</c> suffix. README.md lists them.
/// </summary>
public sealed class DittoMetrics : IDisposable
{
    public const string MeterName = "DittoFs";

    /// <summary>
    /// Request duration buckets in seconds, 50 µs to 10 s: a cached GETATTR answers in tens of microseconds, an
    /// S3-backed 1 MiB WRITE in hundreds of milliseconds, and anything past 10 s is a stall, not a latency.
    /// </summary>
    public static readonly double[] DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public DittoMetrics()
    {
        Meter = new Meter(MeterName, typeof(DittoMetrics).Assembly.GetName().Version?.ToString());
        RpcRequests = Meter.CreateCounter<long>("dittofs.rpc.requests", "{request}",
            "RPC calls answered (or dropped), by program, procedure and RPC accept status");
        RpcRequestDuration = Meter.CreateHistogram("dittofs.rpc.request.duration", "s",
            "Time from a call's complete receipt to its reply being ready, by program and procedure",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        RpcInFlightRequests = Meter.CreateUpDownCounter<long>("dittofs.rpc.in_flight_requests", "{request}",
            "Calls being served by a program right now, by program");
        ConnectionsActive = Meter.CreateUpDownCounter<long>("dittofs.rpc.active_connections", "{connection}",
            "Client connections open right now");
        ConnectionsAccepted = Meter.CreateCounter<long>("dittofs.rpc.connections.accepted", "{connection}",
            "Client connections accepted and served");
        ConnectionsRejected = Meter.CreateCounter<long>("dittofs.rpc.connections.rejected", "{connection}",
            "Client connections closed at once because max_connections were open");
        ConnectionsClosed = Meter.CreateCounter<long>("dittofs.rpc.connections.closed", "{connection}",
            "Client connections closed, by reason (forced_shutdown: still busy when the shutdown timeout expired)");
        NfsOperations = Meter.CreateCounter<long>("dittofs.nfs.operations", "{operation}",
            "NFSv3 calls that ran (all but NULL), by share, procedure and nfsstat3 of the reply");
        Nfs4Operations = Meter.CreateCounter<long>("dittofs.nfs4.operations", "{operation}",
            "NFSv4 operations that ran inside COMPOUNDs, by operation and the nfsstat4 of its result");
        NfsReadBytes = Meter.CreateCounter<long>("dittofs.nfs.read", "By",
            "File data returned by successful NFS READs, by share");
        NfsWriteBytes = Meter.CreateCounter<long>("dittofs.nfs.write", "By",
            "File data taken by successful NFS WRITEs, by share");
        Meter.CreateObservableGauge("dittofs.build_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", Version)),
            unit: null, "Always 1; the version label is the running build's (its commit after the '+')");
        StoreErrors = Meter.CreateCounter<long>("dittofs.store.errors", "{error}",
            "Back-end failures of metadata and content stores (I/O, no space, quota, transient, server fault, exception), by store, kind, back-end type and status");
    }

    /// <summary>The build's informational version: the assembly version and, from the SDK, the commit it was built from.</summary>
    public static string Version { get; } =
        typeof(DittoMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public Meter Meter { get; }
    public Counter<long> RpcRequests { get; }
    public Histogram<double> RpcRequestDuration { get; }
    public UpDownCounter<long> RpcInFlightRequests { get; }
    public UpDownCounter<long> ConnectionsActive { get; }
    public Counter<long> ConnectionsAccepted { get; }
    public Counter<long> ConnectionsRejected { get; }
    public Counter<long> ConnectionsClosed { get; }
    public Counter<long> NfsOperations { get; }
    public Counter<long> Nfs4Operations { get; }
    public Counter<long> NfsReadBytes { get; }
    public Counter<long> NfsWriteBytes { get; }
    public Counter<long> StoreErrors { get; }

    public void Dispose() => Meter.Dispose();
}
