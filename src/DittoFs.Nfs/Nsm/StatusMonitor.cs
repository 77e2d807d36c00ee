using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs.Nsm;

/// <summary>
/// The status monitor (NSM, XNFS chapter 11): this server's state number, the list of watched hosts, the SM_NOTIFY
/// this server sends when it starts, and the reboot notices it takes from watched hosts. The lock manager uses it
/// through <see cref="IHostMonitor"/>; <see cref="NsmService"/> serves it as program 100024 version 1.
/// <para>
/// State number: odd while up. <see cref="Open"/> reads the stored one, raises it to the next odd number and stores
/// that durably before anything is served, so every start (and SM_SIMU_CRASH) shows peers a new, larger number.
/// Monitor list: durable (fsync) before MonitorAsync or SM_MON returns; it survives restarts, so the hosts watched
/// before a restart are told about it and their notices are still believed after it. At most
/// <see cref="NsmOptions.MaxMonitoredHosts"/> hosts.
/// </para>
/// </summary>
public sealed class StatusMonitor : IHostMonitor, IAsyncDisposable
{
    /// <summary>SM_MON callers per watched host: SM_MON is taken from this machine only, so a handful is plenty.</summary>
    internal const int MaxRegistrantsPerHost = 16;

    private readonly NsmOptions _options;
    private readonly NsmStateStore _store;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _peerCalls = new(16, 16); // bounds the background RPCs to peers in flight
    private readonly List<Task> _background = [];
    private Dictionary<string, MonitoredHost> _hosts; // replaced whole under _gate; read without it
    private int _state;
    private int _disposed;

    private StatusMonitor(NsmOptions options, NsmStateStore store, int state, List<MonitoredHost> hosts, ILogger log)
    {
        _options = options;
        _store = store;
        _state = state;
        _hosts = hosts.ToDictionary(host => host.Name, StringComparer.Ordinal);
        _log = log;
    }

    /// <summary>
    /// Reads the stored state and monitor list, raises the state to the next odd number and stores it durably. Call
    /// before serving anything; then <see cref="NotifyPeers"/> once serving started.
    /// </summary>
    public static StatusMonitor Open(NsmOptions options, ILogger<StatusMonitor> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new NsmStateStore(options.StateDirectory);
        int state;
        List<MonitoredHost> hosts;
        try
        {
            state = NextOdd(Math.Max(store.ReadState(), options.StateFloor));
            store.WriteState(state);
            hosts = store.ReadMonitors();
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException
            or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // One message naming the directory, for the start's one-line error, whatever was wrong with it.
            throw new IOException($"NSM state directory {options.StateDirectory}: {exception.Message}", exception);
        }
        if (options.StateDirectory is null)
            log.LogWarning("NSM: no state directory, state number and monitor list are kept in memory only: after a restart no client is told, and clients' locks are not reclaimed");
        else
            log.LogInformation("NSM: state {State}, {Count} monitored host(s), kept in {Directory}", state, hosts.Count, options.StateDirectory);
        return new StatusMonitor(options, store, state, hosts, log);
    }

    /// <summary>The next odd number above <paramref name="state"/>; past int.MaxValue it starts again at 1.</summary>
    internal static int NextOdd(int state)
    {
        long next = (state & 1) == 1 ? (long)state + 2 : (long)state + 1;
        return next is > int.MaxValue or <= 0 ? 1 : (int)next;
    }

    public int State => Volatile.Read(ref _state);

    /// <summary>This server's name in its SM_NOTIFY.</summary>
    public string HostName => _options.HostName;

    public event Action<HostReboot>? HostRebooted;

    /// <summary>How many hosts are watched: at a start, the lock manager's clients that may reclaim after it.</summary>
    public int MonitoredHostCount => Volatile.Read(ref _hosts).Count;

    /// <summary>
    /// Called with the state number and the watched hosts (those with an address: whom SM_NOTIFY goes to) after a
    /// change of the list or the state is stored and before it is answered; an <see cref="IOException"/> it throws
    /// fails the change. The server sets it to keep the list where the servers sharing its locks can read it: the one
    /// that takes over after this server died tells these hosts.
    /// </summary>
    public Action<int, IReadOnlyList<(string Name, IPAddress Address)>>? ListStored { get; set; }

    /// <summary>The watched hosts that have an address, as <see cref="ListStored"/> is given them.</summary>
    public IReadOnlyList<(string Name, IPAddress Address)> WatchedHosts => Addressed(Volatile.Read(ref _hosts).Values);

    private static List<(string Name, IPAddress Address)> Addressed(IEnumerable<MonitoredHost> hosts) =>
        [.. hosts.Where(host => host.Address is not null).Select(host => (host.Name, host.Address!))];

    /// <summary>The watched hosts' names (tests, logs).</summary>
    internal IReadOnlyCollection<string> MonitoredHosts => _hosts.Keys;

    /// <summary>At most this many hosts are watched.</summary>
    internal int Capacity => _options.MaxMonitoredHosts;

    internal MonitoredHost? Find(string hostName) => Volatile.Read(ref _hosts).GetValueOrDefault(hostName);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The monitor list is full (<see cref="NsmOptions.MaxMonitoredHosts"/>).</exception>
    /// <exception cref="IOException">The list could not be stored; the host is not watched.</exception>
    public async ValueTask MonitorAsync(string hostName, IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        ArgumentNullException.ThrowIfNull(address);
        var result = await ChangeAsync(hosts =>
        {
            var current = hosts.GetValueOrDefault(hostName);
            if (current is null && hosts.Count >= _options.MaxMonitoredHosts)
                return false;
            hosts[hostName] = new MonitoredHost(hostName, address, true, current?.Registrants ?? []);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (!result)
            throw new InvalidOperationException($"NSM: cannot monitor {hostName}: {_options.MaxMonitoredHosts} hosts are monitored already");
    }

    public async ValueTask UnmonitorAsync(string hostName, CancellationToken cancellationToken = default)
    {
        await ChangeAsync(hosts =>
        {
            if (hosts.GetValueOrDefault(hostName) is not { } current)
                return false;
            if (current.Registrants.Count == 0)
                hosts.Remove(hostName);
            else
                hosts[hostName] = current with { Local = false };
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SM_MON: watch <paramref name="hostName"/> for <paramref name="registrant"/>. False when full or not stored.</summary>
    internal async ValueTask<bool> MonitorForAsync(string hostName, IPAddress address, Registrant registrant, CancellationToken cancellationToken)
    {
        try
        {
            return await ChangeAsync(hosts =>
            {
                var current = hosts.GetValueOrDefault(hostName);
                if (current is null && hosts.Count >= _options.MaxMonitoredHosts)
                    return false;
                var registrants = (current?.Registrants ?? []).Where(r => !r.SameId(registrant)).ToList();
                if (registrants.Count >= MaxRegistrantsPerHost)
                    return false;
                registrants.Add(registrant);
                hosts[hostName] = new MonitoredHost(hostName, current?.Address ?? address, current?.Local ?? false, registrants);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _log.LogError(exception, "NSM: storing the monitor list failed; SM_MON of {Host} answered STAT_FAIL", hostName);
            return false;
        }
    }

    /// <summary>SM_UNMON: <paramref name="registrant"/> stops watching <paramref name="hostName"/>.</summary>
    internal ValueTask<bool> UnmonitorForAsync(string hostName, Registrant registrant, CancellationToken cancellationToken) =>
        ChangeAsync(hosts =>
        {
            if (hosts.GetValueOrDefault(hostName) is not { } current || !current.Registrants.Any(r => r.SameId(registrant)))
                return false;
            Keep(hosts, current with { Registrants = current.Registrants.Where(r => !r.SameId(registrant)).ToList() });
            return true;
        }, cancellationToken);

    /// <summary>SM_UNMON_ALL: <paramref name="registrant"/> stops watching every host.</summary>
    internal ValueTask<bool> UnmonitorAllForAsync(Registrant registrant, CancellationToken cancellationToken) =>
        ChangeAsync(hosts =>
        {
            bool changed = false;
            foreach (var current in hosts.Values.ToList())
            {
                if (current.Registrants.Any(r => r.SameId(registrant)))
                {
                    Keep(hosts, current with { Registrants = current.Registrants.Where(r => !r.SameId(registrant)).ToList() });
                    changed = true;
                }
            }
            return changed;
        }, cancellationToken);

    /// <summary>A host nobody watches any more is dropped from the list.</summary>
    private static void Keep(Dictionary<string, MonitoredHost> hosts, MonitoredHost host)
    {
        if (host.Local || host.Registrants.Count > 0)
            hosts[host.Name] = host;
        else
            hosts.Remove(host.Name);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a copy of the list and, when it says it changed something, stores the
    /// copy durably before it becomes the list: a failed write changes nothing.
    /// </summary>
    private async ValueTask<bool> ChangeAsync(Func<Dictionary<string, MonitoredHost>, bool> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var hosts = new Dictionary<string, MonitoredHost>(_hosts, StringComparer.Ordinal);
            if (!change(hosts))
                return false;
            _store.WriteMonitors(hosts.Values);
            ListStored?.Invoke(State, Addressed(hosts.Values));
            Volatile.Write(ref _hosts, hosts);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SM_SIMU_CRASH: as if this server restarted: a new odd state, stored, and every watched host told.</summary>
    internal async ValueTask SimulateCrashAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int state = NextOdd(_state);
            _store.WriteState(state);
            Volatile.Write(ref _state, state);
            _log.LogInformation("NSM: SM_SIMU_CRASH, state now {State}", state);
            try
            {
                ListStored?.Invoke(state, WatchedHosts);
            }
            catch (IOException exception)
            {
                _log.LogWarning("NSM: the new state {State} could not be stored beside the monitor list: {Message}", state, exception.Message);
            }
        }
        finally
        {
            _gate.Release();
        }
        NotifyPeers();
    }

    /// <summary>
    /// Sends SM_NOTIFY(our name, <see cref="State"/>) to the NSM of every watched host, in the background: each host is
    /// tried <see cref="NsmOptions.NotifyAttempts"/> times with doubling waits, then given up (logged). Never blocks.
    /// </summary>
    public void NotifyPeers() => Notify(_options.HostName, State, WatchedHosts);

    /// <summary>
    /// Sends SM_NOTIFY(<paramref name="monName"/>, <paramref name="state"/>) to each host's NSM, in the background, as
    /// <see cref="NotifyPeers"/> does: also for a server whose locks this one took over, in that server's name, so its
    /// clients reclaim them (through whichever server their calls reach).
    /// </summary>
    public void Notify(string monName, int state, IEnumerable<(string Name, IPAddress Address)> hosts)
    {
        var notice = new StatChge { MonName = System.Text.Encoding.UTF8.GetBytes(monName), State = state };
        foreach (var (name, address) in hosts)
        {
            string what = $"SM_NOTIFY ({monName}, state {state}) to {name} ({address})";
            Track(RetryAsync(what, token => CallPeerAsync<StatChge, StatChge>(address, SmV1Program.Program, SmV1Program.Version, (uint)SmV1Procedure.Notify, notice, token)));
        }
    }

    /// <summary>
    /// SM_NOTIFY from <paramref name="source"/>: <paramref name="hostName"/> restarted with <paramref name="state"/>.
    /// Believed only for a watched host and only from its address (see <see cref="IsFrom"/>); then
    /// <see cref="HostRebooted"/> is raised and every SM_MON caller's my_id procedure is called back with status.
    /// A notice that is not believed is logged and ignored. Returns whether it was believed.
    /// </summary>
    internal bool ReceiveNotify(string hostName, int state, IPAddress? source)
    {
        if (Find(hostName) is not { } host)
        {
            _log.LogInformation("NSM: SM_NOTIFY for {Host} (state {State}) from {Source} ignored: not a monitored host", hostName, state, source);
            return false;
        }
        if (source is null || host.Address is null || !IsFrom(host.Address, source))
        {
            _log.LogWarning("NSM: SM_NOTIFY for {Host} (state {State}) from {Source} ignored: the host was recorded at {Address}", hostName, state, source, host.Address);
            return false;
        }
        _log.LogInformation("NSM: {Host} restarted (state {State})", hostName, state);
        try
        {
            HostRebooted?.Invoke(new HostReboot(hostName, state));
        }
        catch (Exception exception)
        {
            _log.LogError(exception, "NSM: a HostRebooted handler failed for {Host}", hostName);
        }
        foreach (var registrant in host.Registrants)
        {
            var status = new Status { MonName = System.Text.Encoding.UTF8.GetBytes(hostName), State = state, Priv = registrant.Priv };
            string what = $"the callback of {registrant.MyName} (program {registrant.Program} v{registrant.Version} procedure {registrant.Procedure}) for {hostName}";
            Track(RetryAsync(what, async token =>
            {
                var address = await ResolveAsync(registrant.MyName, token).ConfigureAwait(false);
                return address is not null && await CallPeerAsync<Status, Status>(address, (uint)registrant.Program, (uint)registrant.Version, (uint)registrant.Procedure, status, token).ConfigureAwait(false);
            }));
        }
        return true;
    }

    /// <summary>
    /// Whether a notice from <paramref name="source"/> comes from the host recorded at <paramref name="recorded"/>: the
    /// same address (IPv4-mapped IPv6 counts as IPv4), or, for a host recorded at a loopback address (a client on
    /// this machine), any loopback address (127.0.0.1 and ::1 are the same machine).
    /// </summary>
    internal static bool IsFrom(IPAddress recorded, IPAddress source)
    {
        recorded = recorded.IsIPv4MappedToIPv6 ? recorded.MapToIPv4() : recorded;
        source = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        return recorded.Equals(source) || (IPAddress.IsLoopback(recorded) && IPAddress.IsLoopback(source));
    }

    /// <summary>An IP literal as is; otherwise the name's first address (IPv4 first), or null when it does not resolve in time.</summary>
    internal async Task<IPAddress?> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(name, out var literal))
            return literal;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(name, timeout.Token).ConfigureAwait(false);
            return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault();
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Tries <paramref name="call"/> up to NotifyAttempts times, waiting NotifyRetryDelay, doubling; logs the outcome.</summary>
    private async Task RetryAsync(string what, Func<CancellationToken, Task<bool>> call)
    {
        var token = _stopping.Token;
        var delay = _options.NotifyRetryDelay;
        for (int attempt = 1; attempt <= _options.NotifyAttempts; attempt++)
        {
            await _peerCalls.WaitAsync(token).ConfigureAwait(false);
            bool done;
            try
            {
                done = await call(token).ConfigureAwait(false);
            }
            finally
            {
                _peerCalls.Release();
            }
            if (done)
            {
                _log.LogInformation("NSM: {What} delivered", what);
                return;
            }
            if (attempt < _options.NotifyAttempts)
            {
                await Task.Delay(delay, token).ConfigureAwait(false);
                delay *= 2;
            }
        }
        _log.LogWarning("NSM: {What} given up after {Attempts} tries", what, _options.NotifyAttempts);
    }

    /// <summary>
    /// One call to program/version/procedure on <paramref name="host"/>, found through the host's portmapper: over UDP
    /// first (what NSMs and lock managers serve everywhere), then over TCP. False when neither reached it.
    /// </summary>
    private async Task<bool> CallPeerAsync<TArguments, TCodec>(IPAddress host, uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
        where TCodec : IXdrCodec<TArguments>
    {
        var options = new RpcClientOptions { CallTimeout = _options.CallTimeout, ConnectTimeout = _options.CallTimeout };
        var portmapper = new IPEndPoint(host, _options.PeerPortmapPort);
        try
        {
            uint port;
            await using (var pmap = RpcUdpClient.Create(portmapper, options))
                port = await new PmapV2Client(pmap).GetportAsync(new Mapping { Prog = program, Vers = version, Prot = 17 }, cancellationToken).ConfigureAwait(false);
            if (port != 0)
            {
                await using var peer = RpcUdpClient.Create(new IPEndPoint(host, (int)port), options);
                await peer.CallAsync<TArguments, TCodec>(program, version, procedure, arguments, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or RpcException or SocketException or XdrDecodeException)
        {
            _log.LogDebug("NSM: program {Program} on {Host} over UDP: {Message}", program, host, exception.Message);
        }
        try
        {
            uint port;
            await using (var pmap = await RpcClient.ConnectAsync(portmapper, options, cancellationToken).ConfigureAwait(false))
                port = await new PmapV2Client(pmap).GetportAsync(new Mapping { Prog = program, Vers = version, Prot = 6 }, cancellationToken).ConfigureAwait(false);
            if (port == 0)
                return false;
            await using var peer = await RpcClient.ConnectAsync(new IPEndPoint(host, (int)port), options, cancellationToken).ConfigureAwait(false);
            await peer.CallAsync<TArguments, TCodec>(program, version, procedure, arguments, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or RpcException or SocketException or XdrDecodeException)
        {
            _log.LogDebug("NSM: program {Program} on {Host} over TCP: {Message}", program, host, exception.Message);
            return false;
        }
    }

    private void Track(Task task)
    {
        lock (_background)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    /// <summary>Waits for the background notifications and callbacks in flight (tests).</summary>
    internal Task WhenIdleAsync()
    {
        lock (_background)
            return Task.WhenAll(_background.ToArray());
    }

    /// <summary>Stops the notifications and callbacks still being tried.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] pending;
        lock (_background)
            pending = _background.ToArray();
        await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }
}
