using System.Net;
using DittoFs.Nfs;
using DittoFs.Nfs.Nlm;
using DittoFs.Nfs.Nsm;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Metrics;
using DittoFs.Server.Portmap;
using DittoFs.Storage;
using DittoFs.Storage.Postgres;
using DittoFs.Vfs;
using DittoFs.Vfs.Locks;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;
using Mapping = DittoFs.Protocol.Mapping;

namespace DittoFs.Server;

/// <summary>
/// A configured DittoFs: its stores, shares and the RPC server carrying MOUNT, NFS, NLM and NSM on one port (TCP; MOUNT,
/// NLM and NSM also over UDP unless server.udp is false, see <see cref="IsServedOverUdp"/>). With server.nlm_port or
/// server.nsm_port set, the lock manager or the status monitor is served on that port instead (a second RPC server,
/// one for both when the two ports are the same), and the portmapper lists each program at its port.
/// Lifecycle: <see cref="StartAsync"/>, then <see cref="StopAsync"/> (graceful: stop accepting, cancel,
/// wait up to the shutdown timeout, force-close), then dispose (closes the stores).
/// </summary>
public sealed class DittoServer : IAsyncDisposable
{
    private readonly StoreRegistry _stores;
    private readonly RpcServer _rpc;
    private readonly IReadOnlyList<LockServer> _lockServers;
    private readonly ServerMetrics? _metrics;
    private readonly NlmService _nlm;
    private readonly Portmapper? _portmapper;
    private readonly ContentReleaser _releaser;
    private readonly StatusMonitor _statusMonitor;
    private readonly Nfs4ClientRecords? _nfs4Records;
    private readonly CancellationTokenSource _stopQueueingBacklog = new();
    private int _disposed;
    private Task _queueingBacklog = Task.CompletedTask;
    private SharedReleaseSweeper? _sweeper;
    private readonly ILogger _log;

    private DittoServer(DittoConfig config, StoreRegistry stores, ShareTable shares, RpcServer rpc, IReadOnlyList<LockServer> lockServers, IReadOnlyList<Mapping> mappings,
        ContentReleaser releaser, ServerMetrics? metrics, Portmapper? portmapper, StatusMonitor statusMonitor, Nfs4ClientRecords? nfs4Records, NlmService nlm, ILogger log)
    {
        _nfs4Records = nfs4Records;
        _lockServers = lockServers;
        Mappings = mappings;
        _statusMonitor = statusMonitor;
        _nlm = nlm;
        _releaser = releaser;
        Config = config;
        _stores = stores;
        Shares = shares;
        _rpc = rpc;
        _metrics = metrics;
        _portmapper = portmapper;
        _log = log;
    }

    public DittoConfig Config { get; }
    public ShareTable Shares { get; }

    /// <summary>The status monitor (NSM): what the lock manager watches client hosts through.</summary>
    public IHostMonitor HostMonitor => _statusMonitor;

    /// <summary>Where the server listens (the real port when the configuration asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _rpc.LocalEndPoint;

    /// <summary>Where MOUNT answers over UDP (the same port as TCP); null with server.udp false.</summary>
    public IPEndPoint? UdpEndPoint => _rpc.UdpEndPoint;

    /// <summary>Where the lock manager (NLM) listens over TCP: <see cref="LocalEndPoint"/> unless server.nlm_port is set.</summary>
    public IPEndPoint NlmEndPoint => LockServerOf(DittoFs.Protocol.NlmV4Program.Program)?.LocalEndPoint ?? LocalEndPoint;

    /// <summary>Where the status monitor (NSM) listens over TCP: <see cref="LocalEndPoint"/> unless server.nsm_port is set.</summary>
    public IPEndPoint NsmEndPoint => LockServerOf(DittoFs.Protocol.SmV1Program.Program)?.LocalEndPoint ?? LocalEndPoint;

    /// <summary>What the portmapper lists (or would, with it off): every program, version and protocol at the port it is served on.</summary>
    internal IReadOnlyList<Mapping> Mappings { get; }

    private RpcServer? LockServerOf(uint program) => _lockServers.FirstOrDefault(server => server.Programs.Contains(program))?.Rpc;

    /// <summary>An RPC server of the lock programs on a port of their own (server.nlm_port, server.nsm_port).</summary>
    private sealed record LockServer(RpcServer Rpc, uint[] Programs);

    /// <summary>
    /// The programs answered over UDP: MOUNT and the status monitor (NSM, whose peers send SM_NOTIFY as datagrams). NFS stays TCP-only: a READ or WRITE of 32 KiB to 1 MiB does not fit a
    /// datagram without IP fragmentation, where one lost fragment loses the whole call and the retransmission of all of
    /// it; Linux clients mount over TCP by default, and since kernel 5.6 their NFS over UDP is compiled out unless asked
    /// for (CONFIG_NFS_DISABLE_UDP_SUPPORT). An NFS call over UDP is therefore answered PROG_UNAVAIL (the RFC's answer for a program
    /// the server does not offer there) and NFS is not registered with the portmapper for UDP, so clients never try.
    /// The lock manager (NLM 100021 v1/v3/v4) and the status monitor (NSM 100024) answer over UDP too: their calls are
    /// small, and client lock managers and status monitors (Linux lockd, rpc.statd) call over UDP by default.
    /// </summary>
    internal static bool IsServedOverUdp(uint program) =>
        program is DittoFs.Protocol.MountV3Program.Program or DittoFs.Protocol.NlmV4Program.Program or DittoFs.Protocol.SmV1Program.Program;

    /// <summary>
    /// Creates stores and shares from a validated configuration and starts serving: the metrics endpoint first (so a
    /// taken metrics port fails the start before NFS is reachable), then NFS and MOUNT, then the portmapper.
    /// What an operator fixes (a port in use, a directory that cannot be written, a store another server holds, S3
    /// unreachable) throws a <see cref="StartupException"/> naming the configuration key.
    /// </summary>
    public static async Task<DittoServer> StartAsync(DittoConfig config, ILoggerFactory loggerFactory, IRpcServerObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var log = loggerFactory.CreateLogger("DittoFs.Server");
        // The metrics port first: a taken port fails the start at once, and /healthz answers "starting" (503) while
        // stores open, which can take S3's request timeout.
        var metrics = config.Metrics is { Enabled: true, Port: > 0 } ? ServerMetrics.Start(config.Metrics.Address, config.Metrics.Port) : null;
        StoreRegistry stores;
        try
        {
            stores = await StoreRegistry.CreateAsync(config, loggerFactory).ConfigureAwait(false);
        }
        catch
        {
            metrics?.Dispose();
            throw;
        }
        RpcServer? rpc = null;
        var lockServers = new List<LockServer>();
        StatusMonitor? statusMonitor = null;
        Nfs4ClientRecords? nfs4Records = null;
        NlmService? nlm = null;
        var releaser = new ContentReleaser(loggerFactory.CreateLogger<ContentReleaser>());
        try
        {
            // One grace period for the server (it is this start's), one lock table per share.
            var grace = new LockGracePeriod(TimeProvider.System);
            var shareList = await CreateSharesAsync(config, stores, metrics, releaser, grace, loggerFactory, cancellationToken).ConfigureAwait(false);
            var shares = new ShareTable(shareList);
            // Listed before clients come, so the backlog is exactly what earlier runs left (this run's own releases
            // are queued by their calls) and a store that cannot list it fails the start.
            var backlog = await ReleasedContentBacklog.FindAsync(shareList.Select(share => share.FileSystem), cancellationToken).ConfigureAwait(false);
            var nfsOptions = new NfsServerOptions { DumpRestrictedToLocalhost = config.Server.DumpRestricted, LeaseTime = Duration(config.Locks.LeaseTime) };
            bool udp = UdpSwitch.Parse(config.Server.Udp);
            var address = ListenAddress.ToBind(config.Server.Address, "server.address");
            var rpcOptions = new RpcServerOptions
            {
                Address = address,
                Port = config.Server.Port,
                MaxConnections = config.Server.MaxConnections,
                IdleTimeout = Duration(config.Server.IdleTimeout),
                RecordTimeout = Duration(config.Server.RecordTimeout),
                MaxPendingRecordBytes = ConfigLoader.TryParseSize(config.Server.MaxPendingRecordBytes, out long pending) ? pending
                    : throw new ConfigException("server.max_pending_record_bytes", 0, 0, $"'{config.Server.MaxPendingRecordBytes}' is not a size"),
                NonIdempotentProcedures = NfsPrograms.IsNonIdempotent,
                Udp = udp ? new RpcUdpOptions { ServesProgram = IsServedOverUdp } : null,
            };
            // The state number is raised and stored before anything is served: a peer must never see this run answer
            // with the previous run's number.
            try
            {
                statusMonitor = StatusMonitor.Open(NsmOptionsOf(config), loggerFactory.CreateLogger<StatusMonitor>());
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"the status monitor's state cannot be kept: {exception.Message}", "locks.state_dir", exception);
            }
            if (config.Server.Nfs4)
            {
                try
                {
                    nfs4Records = Nfs4ClientRecords.Open(NsmOptionsOf(config).StateDirectory, grace, loggerFactory.CreateLogger<Nfs4ClientRecords>());
                }
                catch (IOException exception)
                {
                    throw new StartupException($"the NFSv4 client records cannot be kept: {exception.Message}", "locks.state_dir", exception);
                }
            }
            nlm = new NlmService(shares, statusMonitor,
                new NlmCallbacks(new PortmapNlmPeerDialer(config.Locks.PeerPortmapPort), new NlmCallbackOptions(), loggerFactory.CreateLogger<NlmCallbacks>()),
                loggerFactory.CreateLogger<NlmService>());
            // Locks that waited for another server's holders are granted by the shared table's poll: NLM tells the clients.
            foreach (var share in shares.All)
            {
                if (share.FileSystem.Locks is PostgresLockTable shared)
                    shared.GrantedLater = nlm.Callbacks.SendGranted;
            }
            IEnumerable<IXdrProgram<RpcCallContext>> nfsPrograms = metrics is null
                ? NfsPrograms.Create(shares, nfsOptions, loggerFactory, statusMonitor: statusMonitor, nfs4: nfs4Records, tellWoken: nlm.Callbacks.SendGranted)
                : metrics.Meter(NfsPrograms.Create(shares, nfsOptions, loggerFactory, service => metrics.Meter(service, shares), statusMonitor,
                    nfs4Records, nlm.Callbacks.SendGranted, metrics.ObserveNfs4Operation));
            IEnumerable<IXdrProgram<RpcCallContext>> nlmPrograms = metrics is null ? NlmPrograms.Create(nlm) : metrics.Meter(NlmPrograms.Create(nlm));
            // Each program on its port: 0 is the NFS port's server; NLM and NSM may each have a port (and share one).
            int nlmPort = LockPort(config.Server.NlmPort, config.Server.Port), nsmPort = LockPort(config.Server.NsmPort, config.Server.Port);
            int PortOf(uint program) => program switch
            {
                DittoFs.Protocol.NlmV4Program.Program => nlmPort,
                DittoFs.Protocol.SmV1Program.Program => nsmPort,
                _ => 0,
            };
            var programs = nfsPrograms.Concat(nlmPrograms).ToArray();
            metrics?.ObserveLocks(shares, nlm);
            metrics?.ObserveS3Stores(stores.ContentStores);
            BeginGracePeriod(config, grace, statusMonitor, nfs4Records, nfsOptions.LeaseTime, log);
            var rpcObserver = FanOutObserver.Of(metrics?.Observer, observer);
            rpc = new RpcServer(rpcOptions, programs.Where(program => PortOf(program.Program) == 0), loggerFactory.CreateLogger<RpcServer>(), rpcObserver);
            metrics?.ObserveRecordBudget(rpc);
            try
            {
                await rpc.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (StartupFailure.OfPort("NFS", address, config.Server.Port, "server.port", exception) is { } failure)
            {
                throw failure;
            }
            // The lock programs with a port of their own: the same limits (each listener its own record budget), duplicate request
            // cache and UDP as the NFS port's.
            foreach (var group in programs.Where(program => PortOf(program.Program) != 0).GroupBy(program => PortOf(program.Program)))
            {
                var served = group.Select(program => program.Program).Distinct().ToArray();
                var lockRpc = new RpcServer(new RpcServerOptions
                {
                    Address = address,
                    Port = group.Key,
                    MaxConnections = rpcOptions.MaxConnections,
                    IdleTimeout = rpcOptions.IdleTimeout,
                    RecordTimeout = rpcOptions.RecordTimeout,
                    MaxPendingRecordBytes = rpcOptions.MaxPendingRecordBytes,
                    NonIdempotentProcedures = rpcOptions.NonIdempotentProcedures,
                    Udp = udp ? new RpcUdpOptions { ServesProgram = IsServedOverUdp } : null,
                }, group, loggerFactory.CreateLogger<RpcServer>(), rpcObserver);
                lockServers.Add(new LockServer(lockRpc, served));
                bool nlmHere = served.Contains(DittoFs.Protocol.NlmV4Program.Program);
                string what = nlmHere && served.Contains(DittoFs.Protocol.SmV1Program.Program) ? "NLM and NSM" : nlmHere ? "NLM" : "NSM";
                try
                {
                    await lockRpc.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (StartupFailure.OfPort(what, address, group.Key, nlmHere ? "server.nlm_port" : "server.nsm_port", exception) is { } failure)
                {
                    throw failure;
                }
            }
            // The portmapper lists each program at its port, for UDP exactly what is answered over UDP.
            var mappings = MappingsOf(rpc, programs.Where(program => PortOf(program.Program) == 0))
                .Concat(lockServers.SelectMany(server => MappingsOf(server.Rpc, programs.Where(program => server.Programs.Contains(program.Program)))))
                .ToArray();
            Portmapper? portmapper;
            try
            {
                portmapper = await Portmapper.StartAsync(PortmapModes.Parse(config.Server.Portmap), mappings, udp, loggerFactory,
                    cancellationToken: cancellationToken, address: address).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                // Only with portmap true: auto carries on without it.
                throw new StartupException($"{exception.Message}; portmap auto carries on without one", "server.portmap", exception);
            }
            var server = new DittoServer(config, stores, shares, rpc, lockServers, mappings, releaser, metrics, portmapper, statusMonitor, nfs4Records, nlm, log);
            server.LogServing();
            if (metrics is not null)
                metrics.Endpoint.Health = ServerHealth.Serving;
            server.DeleteBacklog(backlog);
            server.StartSharedReleaseSweeper(loggerFactory);
            // In the background, once serving: the watched hosts' lock managers reclaim through us as soon as told.
            statusMonitor.NotifyPeers();
            return server;
        }
        catch
        {
            foreach (var lockServer in lockServers)
                await lockServer.Rpc.DisposeAsync().ConfigureAwait(false);
            if (rpc is not null)
                await rpc.DisposeAsync().ConfigureAwait(false);
            nlm?.Dispose();
            nfs4Records?.Dispose();
            if (statusMonitor is not null)
                await statusMonitor.DisposeAsync().ConfigureAwait(false);
            await releaser.DisposeAsync().ConfigureAwait(false);
            metrics?.Dispose();
            await stores.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled, then shuts down gracefully.</summary>
    public static async Task RunAsync(DittoConfig config, ILoggerFactory loggerFactory, CancellationToken stop)
    {
        await using var server = await StartAsync(config, loggerFactory).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await server.StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Graceful stop: the portmapper first (no new client should be sent to a server going away), then the RPC
    /// server's drain (see <see cref="RpcServer.StopAsync"/>). Metrics stay up until dispose, so the last scrape
    /// can still see the shutdown's closed connections.
    /// </summary>
    public async Task StopAsync()
    {
        var timeout = Duration(Config.Server.ShutdownTimeout);
        if (_metrics is not null)
            _metrics.Endpoint.Health = ServerHealth.Stopping;
        _log.LogInformation("Stopping: waiting up to {Timeout} for calls in flight", timeout);
        if (_portmapper is not null)
            await _portmapper.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_lockServers.Select(server => server.Rpc.StopAsync(timeout)).Append(_rpc.StopAsync(timeout))).ConfigureAwait(false);
        _log.LogInformation("Stopped");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_portmapper is not null)
            await _portmapper.DisposeAsync().ConfigureAwait(false);
        foreach (var lockServer in _lockServers)
            await lockServer.Rpc.DisposeAsync().ConfigureAwait(false);
        await _rpc.DisposeAsync().ConfigureAwait(false);
        _nlm.Dispose();
        await _statusMonitor.DisposeAsync().ConfigureAwait(false);
        _nfs4Records?.Dispose();
        // Claimed and not queued: some server claims it again once the lease expires.
        if (_sweeper is not null)
            await _sweeper.DisposeAsync().ConfigureAwait(false);
        // What of the backlog is not queued yet stays listed for the next start; what is queued is deleted below.
        await _stopQueueingBacklog.CancelAsync().ConfigureAwait(false);
        await _queueingBacklog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopQueueingBacklog.Dispose();
        // After the calls (nothing is released any more), before the stores: the queued deletions need them.
        await _releaser.DisposeAsync().ConfigureAwait(false);
        _metrics?.Dispose();
        await _stores.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Queues, in the background, the deletion of content released before this start and not deleted (a crash, or a
    /// deletion that failed). After serving started, not before: the queue is bounded, and a large backlog (say,
    /// deletions that failed for a long time) must not hold the start back; clients cannot reach that content anyway,
    /// and a WRITE that finds no space waits for queued deletions, backlog included.
    /// </summary>
    private void StartSharedReleaseSweeper(ILoggerFactory loggerFactory)
    {
        // One grace for the server: the longest any of its postgres stores asks for.
        var grace = Config.Metadata.Stores.Values.Where(store => store.Type == "postgres" && store.Postgres is not null)
            .Select(store => ConfigLoader.TryParseDuration(store.Postgres!.ReleaseGrace, out var value) ? value : TimeSpan.Zero)
            .DefaultIfEmpty(TimeSpan.Zero).Max();
        _sweeper = SharedReleaseSweeper.Start(Shares.All.Select(share => share.FileSystem), _releaser,
            loggerFactory.CreateLogger<SharedReleaseSweeper>(), grace, SweepInterval, ClaimLease);
    }

    /// <summary>How often each server looks for released content due for deletion in a shared metadata store.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long a server's claim on released content lasts before another server may claim it again (it died, or S3 failed).</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(10);

    private void DeleteBacklog(ReleasedContentBacklog backlog)
    {
        if (backlog.Count == 0)
        {
            return;
        }
        _queueingBacklog = Task.Run(async () =>
        {
            await backlog.QueueAsync(_releaser, _stopQueueingBacklog.Token).ConfigureAwait(false);
            _log.LogInformation("Queued the deletion of {Count} piece(s) of content released before this start and not deleted yet", backlog.Count);
        });
    }

    private static async Task<List<Share>> CreateSharesAsync(DittoConfig config, StoreRegistry stores, ServerMetrics? metrics, ContentReleaser releaser,
        LockGracePeriod grace, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // With metrics on, each named store is wrapped once to count its back-end failures; shares naming the same
        // store share the wrapper, as they share the store.
        var metadataStores = stores.MetadataStores.ToDictionary(entry => entry.Key,
            entry => metrics?.Meter(entry.Value, entry.Key, config.Metadata.Stores[entry.Key].Type) ?? entry.Value, StringComparer.Ordinal);
        var contentStores = stores.ContentStores.ToDictionary(entry => entry.Key,
            entry => metrics?.Meter(entry.Value, entry.Key, config.Content.Stores[entry.Key].Type) ?? entry.Value, StringComparer.Ordinal);
        var shares = new List<Share>();
        foreach (var share in config.Shares)
        {
            var options = new ExportOptions
            {
                ReadOnly = share.ReadOnly,
                RootSquash = share.RootSquash,
                AllSquash = share.AllSquash,
                AnonymousUid = share.AnonymousUid,
                AnonymousGid = share.AnonymousGid,
                AllowedClients = share.AllowedClients.Select(c => ConfigLoader.TryParseCidr(c, out var network) ? network : throw new ConfigException("allowed_clients", 0, 0, c)).ToArray(),
                AllowedAuthFlavors = share.AllowedAuth.Select(a => a == "none" ? AuthFlavor.None : AuthFlavor.Sys).Distinct().ToArray(),
                RequireSecurePort = share.RequireSecurePort,
            };
            var fileSystem = await VirtualFileSystem.OpenAsync(share.Name, metadataStores[share.MetadataStore], contentStores[share.ContentStore], releaser,
                loggerFactory.CreateLogger<VirtualFileSystem>(), locks: LockTableOf(config, stores, share, grace), cancellationToken: cancellationToken).ConfigureAwait(false);
            shares.Add(new Share(share.Name, fileSystem, options));
        }
        return shares;
    }

    /// <summary>The share's lock table: in memory, or shared with the other servers when its metadata store is PostgreSQL.</summary>
    private static ILockTable LockTableOf(DittoConfig config, StoreRegistry stores, ShareConfig share, LockGracePeriod grace)
    {
        var local = new MemoryLockTable(grace: grace);
        if (stores.MetadataStores[share.MetadataStore] is not PostgresMetadataStore postgres)
            return local;
        ConfigLoader.TryParseDuration(config.Metadata.Stores[share.MetadataStore].Postgres!.LockLease, out var lease);
        return postgres.CreateLockTable(share.Name, local, lease);
    }

    /// <summary>server.nlm_port / server.nsm_port: 0 or server.port itself is the NFS port's server (0 here), another a server of its own.</summary>
    private static int LockPort(int configured, int nfsPort) => configured == nfsPort ? 0 : configured;

    /// <summary>The portmapper's rows for <paramref name="programs"/> as <paramref name="server"/> serves them: TCP, and UDP where it answers over UDP.</summary>
    private static IEnumerable<Mapping> MappingsOf(RpcServer server, IEnumerable<IXdrProgram<RpcCallContext>> programs)
    {
        uint port = (uint)server.LocalEndPoint.Port;
        foreach (var program in programs)
        {
            yield return new Mapping { Prog = program.Program, Vers = program.Version, Prot = (uint)DittoFs.Protocol.PortmapConstants.IpprotoTcp, Port = port };
            if (server.UdpEndPoint is not null && server.ServesOverUdp(program.Program))
                yield return new Mapping { Prog = program.Program, Vers = program.Version, Prot = (uint)DittoFs.Protocol.PortmapConstants.IpprotoUdp, Port = port };
        }
    }

    /// <summary>locks.*: an empty state_dir keeps NSM state in memory only (the monitor logs that); an empty host_name is the machine's.</summary>
    private static NsmOptions NsmOptionsOf(DittoConfig config) => new()
    {
        StateDirectory = string.IsNullOrWhiteSpace(config.Locks.StateDir) ? null : config.Locks.StateDir,
        HostName = string.IsNullOrWhiteSpace(config.Locks.HostName) ? Dns.GetHostName() : config.Locks.HostName,
        MaxMonitoredHosts = config.Locks.MaxMonitoredHosts,
        PeerPortmapPort = config.Locks.PeerPortmapPort,
    };

    /// <summary>
    /// Begins the grace period in which clients reclaim what they held before this start — only if one may: an NLM
    /// client the status monitor watched (it is told of the restart and reclaims) or an NFSv4 client the records kept.
    /// For NFSv4 clients it lasts at least a lease, the time a client may take to notice the restart (RFC 7530 §9.6.2);
    /// with no NLM client to wait for it ends once every NFSv4 client said RECLAIM_COMPLETE.
    /// </summary>
    private static void BeginGracePeriod(DittoConfig config, LockGracePeriod grace, StatusMonitor statusMonitor, Nfs4ClientRecords? nfs4Records, TimeSpan lease, ILogger log)
    {
        var duration = Duration(config.Locks.GracePeriod);
        int nlmClients = statusMonitor.MonitoredHostCount, nfs4Clients = nfs4Records?.Reclaimable ?? 0;
        if (duration <= TimeSpan.Zero)
            return;
        if (nlmClients == 0 && nfs4Clients == 0)
        {
            log.LogInformation("No grace period: no client held locks or opens before this start");
            return;
        }
        if (nfs4Clients > 0 && duration < lease)
            duration = lease;
        grace.Begin(duration);
        nfs4Records?.WatchGracePeriod();
        if (nlmClients == 0)
            nfs4Records?.EndGraceWhenAllReclaimed();
        log.LogInformation("Grace period of {Seconds} s: {NlmClients} NLM host(s) and {Nfs4Clients} NFSv4 client(s) may reclaim their locks and opens",
            (int)duration.TotalSeconds, nlmClients, nfs4Clients);
    }

    private static TimeSpan Duration(string text) =>
        ConfigLoader.TryParseDuration(text, out var duration) ? duration : throw new ConfigException("duration", 0, 0, $"'{text}' is not a duration");

    /// <summary>How a URL names a listener's address: "*" for every address, brackets around IPv6 (RFC 3986 §3.2.2).</summary>
    private static string UrlHost(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "*"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private void LogServing()
    {
        bool nlmHere = LockServerOf(DittoFs.Protocol.NlmV4Program.Program) is null, nsmHere = LockServerOf(DittoFs.Protocol.SmV1Program.Program) is null;
        string tcp = (_nfs4Records is null ? "NFS v3" : "NFS v3/v4.0/v4.1") + ", MOUNT v3" + (nlmHere ? ", NLM v1/v3/v4" : "") + (nsmHere ? ", NSM v1" : "");
        string overUdp = "MOUNT" + (nlmHere ? ", NLM" : "") + (nsmHere ? ", NSM" : "");
        if (UdpEndPoint is null)
            _log.LogInformation("DittoFs listening on {EndPoint} ({Programs} over TCP)", LocalEndPoint, tcp);
        else
            _log.LogInformation("DittoFs listening on {EndPoint} ({Programs} over TCP; {UdpPrograms} over UDP)", LocalEndPoint, tcp, overUdp);
        foreach (var lockServer in _lockServers)
        {
            string programs = string.Join(" and ", lockServer.Programs.Select(program => program == DittoFs.Protocol.SmV1Program.Program ? "NSM v1" : "NLM v1/v3/v4"));
            _log.LogInformation("{Programs} listening on {EndPoint} (TCP{Udp})", programs, lockServer.Rpc.LocalEndPoint, lockServer.Rpc.UdpEndPoint is null ? "" : " and UDP");
        }
        if (_metrics is not null)
            _log.LogInformation("Metrics at http://{Host}:{Port}{Path} (Prometheus text format; meter {Meter}), health at {HealthPath}",
                UrlHost(_metrics.Endpoint.LocalEndPoint.Address), _metrics.Endpoint.LocalEndPoint.Port, PrometheusEndpoint.Path,
                DittoMetrics.MeterName, PrometheusEndpoint.HealthPath);
        foreach (var share in Config.Shares)
        {
            var metadata = Config.Metadata.Stores[share.MetadataStore];
            var content = Config.Content.Stores[share.ContentStore];
            _log.LogInformation("Serving {Share}: metadata '{MetadataStore}' ({MetadataType}), content '{ContentStore}' ({ContentType}){ReadOnly}",
                share.Name, share.MetadataStore, metadata.Type, share.ContentStore, content.Type, share.ReadOnly ? ", read-only" : "");
            if (metadata.Type == "memory" && content.Type != "memory")
            {
                // The files are forgotten at every stop, their bytes are not: nothing names them again.
                _log.LogWarning("{Share} keeps its metadata in memory but its content in '{ContentStore}' ({ContentType}), which outlives it: " +
                    "the bytes of this run's files stay behind after a stop, unreachable, and nothing removes them (fsck leaves content it cannot " +
                    "hold against a metadata store alone)",
                    share.Name, share.ContentStore, content.Type);
            }
        }
    }
}
