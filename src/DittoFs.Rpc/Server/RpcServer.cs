using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc;

/// <summary>
/// An ONC RPC server over TCP, and optionally UDP on the same port (RFC 5531): serves any number of programs and
/// versions, runs the calls of each connection (and datagrams) concurrently and answers protocol errors as the RFC
/// says. See <see cref="RpcConnection"/> for the per-connection design, <see cref="RpcUdpTransport"/> for UDP and
/// <see cref="RpcCall"/> for one call, which is the same whatever it came on.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Finished calls kept for reuse: the calls in flight with 64 connections at the default 64 each (see
    /// <see cref="RpcCallPool"/>); about 20 MiB when all are kept.
    /// </summary>
    internal const int PooledCalls = 4096;

    private readonly RpcServerOptions _options;
    private readonly ConcurrentDictionary<RpcConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly Lock _lifecycle = new();
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private Timer? _idleTimer;
    private IPEndPoint? _localEndPoint;
    private RpcUdpTransport? _udp;
    private bool _started;
    private Task? _stopped;

    public RpcServer(RpcServerOptions options, IEnumerable<IXdrProgram<RpcCallContext>> programs, ILogger logger, IRpcServerObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options.Copy(); // later changes to the caller's instance do not reach a running server
        var served = programs?.ToArray() ?? throw new ArgumentNullException(nameof(programs));
        Programs = new RpcProgramTable(served);
        if (_options.NonIdempotentProcedures is { } nonIdempotent)
            DuplicateRequests = new DuplicateRequestCache(_options.DuplicateRequestCacheSize, _options.DuplicateRequestCacheMaxBytes, keyByPort: false, nonIdempotent);
        if (_options.Udp is { } udp)
        {
            UdpPrograms = new RpcProgramTable(udp.ServesProgram is { } servesProgram ? served.Where(program => servesProgram(program.Program)) : served);
            if (_options.NonIdempotentProcedures is { } udpNonIdempotent)
                UdpDuplicateRequests = new DuplicateRequestCache(_options.DuplicateRequestCacheSize, _options.DuplicateRequestCacheMaxBytes, keyByPort: true, udpNonIdempotent);
        }
        Logger = logger;
        Observer = observer is null ? NullRpcServerObserver.Instance : new GuardedObserver(observer, logger);
        MaxRecordSize = options.MaxRecordSize;
        MaxInFlightPerConnection = options.MaxInFlightPerConnection;
        RecordBudget = new RecordBudget(_options.MaxPendingRecordBytes);
        CallPool = new RpcCallPool(PooledCalls, largeBufferCalls: Math.Clamp(Environment.ProcessorCount * 16, 64, 1024));
    }

    internal RpcProgramTable Programs { get; }
    internal DuplicateRequestCache? DuplicateRequests { get; }
    internal RpcProgramTable? UdpPrograms { get; }
    internal DuplicateRequestCache? UdpDuplicateRequests { get; }
    internal ILogger Logger { get; }
    internal IRpcServerObserver Observer { get; }
    internal RpcCallPool CallPool { get; }
    internal int MaxRecordSize { get; }
    internal int MaxInFlightPerConnection { get; }
    internal RecordBudget RecordBudget { get; }

    /// <summary>Bytes of <see cref="RpcServerOptions.MaxPendingRecordBytes"/> held by partly received records right now.</summary>
    public long PendingRecordBytes => RecordBudget.Used;

    /// <summary>Connections waiting (not reading) for <see cref="RpcServerOptions.MaxPendingRecordBytes"/> to free up right now.</summary>
    public int ConnectionsWaitingForRecordBudget => RecordBudget.Waiting;

    /// <summary>The address and port bound (the actual port when <see cref="RpcServerOptions.Port"/> was 0).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The server has not been started.");

    /// <summary>Where UDP is served (the same port as TCP); null when <see cref="RpcServerOptions.Udp"/> is off or the server has not started.</summary>
    public IPEndPoint? UdpEndPoint => _udp?.LocalEndPoint;

    /// <summary>Whether calls to <paramref name="program"/> are answered over UDP (what a portmapper should list).</summary>
    public bool ServesOverUdp(uint program) => UdpPrograms?.Serves(program) ?? false;

    /// <summary>Connections open right now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Binds the port and starts accepting connections.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lifecycle)
        {
            if (_started || _stopped is not null)
                throw new InvalidOperationException("An RpcServer starts once.");
            var (listener, datagrams) = Bind();
            _listener = listener;
            _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _started = true;
            _acceptLoop = AcceptLoopAsync(listener);
            if (datagrams is not null)
            {
                _udp = new RpcUdpTransport(this, datagrams, UdpPrograms!, UdpDuplicateRequests, _options.Udp!);
                _udp.Start();
            }
            if (_options.IdleTimeoutEnabled || _options.RecordTimeoutEnabled)
            {
                long shortest = Math.Min(_options.IdleTimeoutEnabled ? _options.IdleTimeout.Ticks : long.MaxValue,
                    _options.RecordTimeoutEnabled ? _options.RecordTimeout.Ticks : long.MaxValue);
                var period = TimeSpan.FromTicks(Math.Clamp(shortest / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
                _idleTimer = new Timer(static state => ((RpcServer)state!).CloseIdleConnections(), this, period, period);
            }
        }
        RpcLog.Listening(Logger, _localEndPoint);
        if (_udp is not null)
            RpcLog.ListeningUdp(Logger, _udp.LocalEndPoint);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The TCP listener and, with UDP on, the UDP socket on the same port. With port 0 the kernel picks the TCP port,
    /// whose UDP twin may be taken by someone else: then another pair is tried.
    /// </summary>
    private (Socket Listener, Socket? Datagrams) Bind()
    {
        const int attempts = 16;
        for (int attempt = 1; ; attempt++)
        {
            var listener = BindListener();
            if (_options.Udp is null)
                return (listener, null);
            try
            {
                return (listener, BindDatagrams(((IPEndPoint)listener.LocalEndPoint!).Port));
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse && _options.Port == 0 && attempt < attempts)
            {
                listener.Dispose();
            }
            catch
            {
                listener.Dispose();
                throw;
            }
        }
    }

    private Socket BindListener() => ListeningSocket.Open(_options.Address, _options.Port, backlog: 512);

    /// <summary>
    /// The UDP socket. No SO_REUSEADDR: UDP has no TIME_WAIT to step over, and on Linux the option would let a second
    /// server bind the same UDP port and receive half the datagrams.
    /// </summary>
    private Socket BindDatagrams(int port)
    {
        var socket = new Socket(_options.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (_options.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(new IPEndPoint(_options.Address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var token = _stopAccepting.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // a handshake the client gave up on
            }
            catch (SocketException exception)
            {
                // Out of file descriptors or memory: keep serving the open connections, and pause instead of
                // spinning on a backlog that fails the same way at once.
                RpcLog.AcceptFailed(Logger, exception);
                try
                {
                    await Task.Delay(AcceptRetryDelay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        IPEndPoint client, local;
        try
        {
            client = ClientEndPoint((IPEndPoint)socket.RemoteEndPoint!);
            local = ClientEndPoint((IPEndPoint)socket.LocalEndPoint!);
            socket.NoDelay = true; // replies are whole records; waiting to fill segments only adds latency
        }
        catch (SocketException)
        {
            socket.Dispose(); // gone before we looked at it
            return;
        }
        if (_options.MaxConnections > 0 && _connections.Count >= _options.MaxConnections)
        {
            RpcLog.ConnectionRejected(Logger, client, _options.MaxConnections);
            Observer.ConnectionRejected(client);
            socket.Dispose();
            return;
        }
        var connection = new RpcConnection(this, socket, client, local);
        _connections.TryAdd(connection, 0);
        RpcLog.ConnectionAccepted(Logger, client);
        Observer.ConnectionAccepted(client);
        connection.Start();
    }

    /// <summary>
    /// A client as calls see it: an IPv4 client of a dual-stack socket arrives as an IPv4-mapped IPv6 address
    /// (::ffff:10.1.2.3) and is given to everything above (logs, export rules, duplicate request caches, callbacks) as
    /// the IPv4 address it is.
    /// </summary>
    internal static IPEndPoint ClientEndPoint(IPEndPoint remote) =>
        remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;

    internal void OnConnectionClosed(RpcConnection connection, RpcConnectionCloseReason reason)
    {
        _connections.TryRemove(connection, out _);
        RpcLog.ConnectionClosed(Logger, connection.RemoteEndPoint, reason);
        Observer.ConnectionClosed(connection.RemoteEndPoint, reason);
    }

    private void CloseIdleConnections()
    {
        long now = Environment.TickCount64;
        long idle = _options.IdleTimeoutEnabled ? (long)_options.IdleTimeout.TotalMilliseconds : long.MaxValue;
        long record = _options.RecordTimeoutEnabled ? (long)_options.RecordTimeout.TotalMilliseconds : long.MaxValue;
        foreach (var entry in _connections)
            entry.Key.CloseIfIdle(now, idle, record);
    }

    /// <summary>
    /// Graceful shutdown: stops accepting, stops reading new calls, cancels the token of the calls running
    /// and waits up to <paramref name="shutdownTimeout"/> for them to answer; then closes every connection
    /// still open. Returns when all connections are closed. Calls that ignore cancellation may still be
    /// running afterwards, but nothing they produce is sent.
    /// </summary>
    public Task StopAsync(TimeSpan shutdownTimeout)
    {
        if (shutdownTimeout < TimeSpan.Zero && shutdownTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(shutdownTimeout), shutdownTimeout, "Must be positive, zero or infinite.");
        lock (_lifecycle)
            return _stopped ??= _started ? StopCoreAsync(shutdownTimeout) : Task.CompletedTask;
    }

    private async Task StopCoreAsync(TimeSpan shutdownTimeout)
    {
        _stopAccepting.Cancel();
        _listener!.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        if (_idleTimer is not null)
            await _idleTimer.DisposeAsync().ConfigureAwait(false);

        var connections = _connections.Keys.ToArray();
        foreach (var connection in connections)
            connection.BeginShutdown();
        _udp?.BeginShutdown();
        var closed = Task.WhenAll(connections.Select(connection => connection.Completion).Append(_udp?.Completion ?? Task.CompletedTask));
        try
        {
            await closed.WaitAsync(shutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            int forced = 0;
            foreach (var connection in connections)
            {
                if (connection.Completion.IsCompleted)
                    continue;
                connection.ForceClose();
                forced++;
            }
            if (_udp is { Completion.IsCompleted: false } udp)
                udp.ForceClose(); // its running calls' replies are not sent; clients retransmit to the next server
            RpcLog.ForcedClose(Logger, forced, shutdownTimeout);
            await closed.ConfigureAwait(false);
        }
        _stopAccepting.Dispose();
        RpcLog.Stopped(Logger, _localEndPoint!);
    }

    /// <summary>Stops at once: running calls are cancelled and their connections closed without waiting.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
}
