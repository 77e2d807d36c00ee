using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Xdr;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The metrics of one running server: its instruments, the Prometheus endpoint exporting them, and the decorators
/// that feed them from outside the NFS service (the RPC observer, metered programs, the metered NFS service, metered
/// stores). Only created when metrics are on: with them off the server runs with none of these, so they cost nothing.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    private ServerMetrics(DittoMetrics instruments, PrometheusEndpoint endpoint)
    {
        Instruments = instruments;
        Endpoint = endpoint;
        Observer = new RpcMetricsObserver(instruments);
    }

    public DittoMetrics Instruments { get; }

    /// <summary>The metrics port, which also answers <c>/healthz</c>.</summary>
    public PrometheusEndpoint Endpoint { get; }

    /// <summary>Connection and call counts from the RPC server.</summary>
    public IRpcServerObserver Observer { get; }

    /// <summary>Starts the instruments and the Prometheus endpoint on <paramref name="address"/> (metrics.address) and <paramref name="port"/>.</summary>
    public static ServerMetrics Start(string address, int port)
    {
        var instruments = new DittoMetrics();
        try
        {
            return new ServerMetrics(instruments, PrometheusEndpoint.Start(address, port));
        }
        catch
        {
            instruments.Dispose();
            throw;
        }
    }

    public IMetadataStore Meter(IMetadataStore store, string name, string backend) =>
        MeteredMetadataStore.Wrap(store, new StoreErrorMeter(Instruments, name, "metadata", backend));

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

    /// <summary>Counts one NFSv4 operation of a COMPOUND (for <see cref="NfsPrograms.Create"/>): no allocation.</summary>
    public void ObserveNfs4Operation(NfsOpnum4 operation, Nfsstat4 status)
    {
        var tags = new TagList { MetricTags.Nfs4Operation(operation), MetricTags.Nfs4Status(status) };
        Instruments.Nfs4Operations.Add(1, in tags);
    }

    /// <summary>
    /// Lock gauges read from each share's lock table when scraped (nothing on the lock path), and the lock manager's
    /// grant and denial counts.
    /// </summary>
    public void ObserveLocks(ShareTable shares, DittoFs.Nfs.Nlm.NlmService nlm)
    {
        var meter = Instruments.Meter;
        IEnumerable<Measurement<long>> PerShare(Func<DittoFs.Vfs.Locks.ILockTable, int> read) =>
            shares.All.Select(share => new Measurement<long>(read(share.FileSystem.Locks), new KeyValuePair<string, object?>("share", share.ExportPath)));
        meter.CreateObservableGauge("dittofs.locks.held", () => PerShare(table => table.HeldRanges), "{range}",
            "Byte ranges locked (after merging each owner's adjacent ranges), by share");
        meter.CreateObservableGauge("dittofs.locks.waiters", () => PerShare(table => table.Waiters), "{request}",
            "Blocked lock requests waiting for a range, by share");
        meter.CreateObservableGauge("dittofs.locks.share_reservations", () => PerShare(table => table.ShareReservations), "{reservation}",
            "NLM share reservations held, by share");
        meter.CreateObservableCounter("dittofs.nlm.grants", () => new[]
        {
            new Measurement<long>(nlm.Granted, new KeyValuePair<string, object?>("kind", "immediate")),
            new Measurement<long>(nlm.Callbacks.GrantedDelivered, new KeyValuePair<string, object?>("kind", "callback")),
        }, "{lock}", "NLM locks granted: at once (immediate) or to a waiter through an accepted GRANTED callback (callback)");
        meter.CreateObservableCounter("dittofs.nlm.denials", () => nlm.Denied, "{lock}",
            "NLM LOCK and NM_LOCK requests refused (conflict, grace period, read-only, stale handle, no resources)");
        meter.CreateObservableCounter("dittofs.nlm.grants_released", () => nlm.Callbacks.GrantsReleased, "{lock}",
            "Grants to waiters undone because the client refused the GRANTED callback or could not be reached");
    }

    /// <summary>
    /// The S3 content stores, by store name: the requests each sent, and their block caches; counts read from each store
    /// when scraped (the request and read paths only increment their own counters).
    /// </summary>
    public void ObserveS3Stores(IReadOnlyDictionary<string, IContentStore> stores)
    {
        var s3 = stores
            .Select(entry => (Store: entry.Key, Content: entry.Value as DittoFs.Storage.S3.S3ContentStore))
            .Where(entry => entry.Content is not null)
            .Select(entry => (entry.Store, Content: entry.Content!))
            .ToArray();
        if (s3.Length == 0)
        {
            return;
        }
        Instruments.Meter.CreateObservableCounter("dittofs.s3.requests", () => s3.SelectMany(store => new[]
        {
            Request(store.Store, "GET", store.Content.RequestStatistics.Gets),
            Request(store.Store, "PUT", store.Content.RequestStatistics.Puts),
            Request(store.Store, "DELETE", store.Content.RequestStatistics.Deletes),
            Request(store.Store, "LIST", store.Content.RequestStatistics.Lists),
        }), "{request}", "Requests an S3 content store sent to S3 (retries included), by store and operation (GET, PUT, DELETE of up to 1,000 objects, LIST page)");
        static Measurement<long> Request(string store, string operation, long count) => new(count, new("store", store), new("operation", operation));

        var caches = s3
            .Where(entry => entry.Content.CacheStatistics is not null)
            .Select(entry => (entry.Store, Statistics: entry.Content.CacheStatistics!))
            .ToArray();
        if (caches.Length == 0)
        {
            return;
        }
        var meter = Instruments.Meter;
        IEnumerable<Measurement<long>> ByTier(Func<DittoFs.Storage.S3.Caching.CacheStatistics, long> memory, Func<DittoFs.Storage.S3.Caching.CacheStatistics, long> disk) =>
            caches.SelectMany(cache => new[]
            {
                new Measurement<long>(memory(cache.Statistics), new("store", cache.Store), new("tier", "memory")),
                new Measurement<long>(disk(cache.Statistics), new("store", cache.Store), new("tier", "disk")),
            });
        IEnumerable<Measurement<long>> ByStore(Func<DittoFs.Storage.S3.Caching.CacheStatistics, long> read) =>
            caches.Select(cache => new Measurement<long>(read(cache.Statistics), new KeyValuePair<string, object?>("store", cache.Store)));
        meter.CreateObservableCounter("dittofs.s3.cache.hits", () => ByTier(cache => cache.MemoryHits, cache => cache.DiskHits), "{block}",
            "Block reads served by an S3 store's cache, by store and tier (memory: also reads that joined a fetch under way; disk)");
        meter.CreateObservableCounter("dittofs.s3.cache.misses", () => ByStore(cache => cache.Misses), "{block}",
            "Block reads of an S3 store that fetched the block from S3, by store");
        meter.CreateObservableCounter("dittofs.s3.cache.evictions", () => ByTier(cache => cache.MemoryEvictions, cache => cache.DiskEvictions), "{block}",
            "Blocks dropped from an S3 store's cache to stay under its size, by store and tier");
        meter.CreateObservableCounter("dittofs.s3.cache.stale", () => ByStore(cache => cache.Stale), "{block}",
            "Cached blocks found older than their object in S3 (written by another server or out of band) and replaced, by store");
        meter.CreateObservableCounter("dittofs.s3.cache.read_ahead", () => ByStore(cache => cache.ReadAhead), "{block}",
            "Blocks an S3 store fetched ahead of sequential readers, by store");
        meter.CreateObservableGauge("dittofs.s3.cache.size", () => ByTier(cache => cache.MemoryBytes, cache => cache.DiskBytes), "By",
            "Bytes an S3 store's cache holds now, by store and tier");
    }

    /// <summary>The record budget's use, read when scraped (nothing on the receive path).</summary>
    public void ObserveRecordBudget(DittoFs.Rpc.RpcServer rpc)
    {
        var meter = Instruments.Meter;
        meter.CreateObservableGauge("dittofs.rpc.pending_record_bytes", () => rpc.PendingRecordBytes, "By",
            "Bytes of server.max_pending_record_bytes held by partly received calls right now");
        meter.CreateObservableGauge("dittofs.rpc.connections_waiting_for_record_budget", () => rpc.ConnectionsWaitingForRecordBudget, "{connection}",
            "Connections not reading because server.max_pending_record_bytes is spent");
    }

    public void Dispose()
    {
        Endpoint.Dispose();
        Instruments.Dispose();
    }
}
