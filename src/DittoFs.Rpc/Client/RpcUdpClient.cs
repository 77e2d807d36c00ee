using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// An ONC RPC client over UDP (RFC 5531): each call is one datagram, sent again with the same xid every
/// <see cref="RpcClientOptions.RetransmitInterval"/> (doubling, at most <see cref="MaxRetransmitInterval"/>) until its
/// reply comes or <see cref="RpcClientOptions.CallTimeout"/> passes, so a lost datagram costs a retransmission and the
/// server's duplicate request cache keeps a non-idempotent call from running twice. Many calls may be outstanding;
/// replies are matched by xid. Like <see cref="RpcClient"/>, it is the transport of the generated client stubs
/// (<c>MountV3Client</c>, <c>PmapV2Client</c>, ...), and a non-SUCCESS reply throws <see cref="RpcException"/>.
/// <para>
/// The socket is connected to the server, so datagrams from anyone else are discarded by the kernel, and an ICMP
/// "port unreachable" fails the waiting calls at once with <see cref="IOException"/> instead of letting them time out.
/// Calls and replies must fit a datagram: the reply buffer is <see cref="RpcUdpOptions.MaxDatagramPayload"/> bytes.
/// </para>
/// </summary>
public sealed class RpcUdpClient : IXdrCallTransport, IAsyncDisposable
{
    /// <summary>Retransmissions slow down to at most one per this interval.</summary>
    public static readonly TimeSpan MaxRetransmitInterval = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly RpcClientOptions _options;
    private readonly OpaqueAuth _credential;
    private readonly ConcurrentDictionary<uint, PendingRpcCall> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private int _nextXid;
    private int _disposed;

    private RpcUdpClient(Socket socket, RpcClientOptions options)
    {
        _socket = socket;
        _options = options;
        _credential = options.Credential.ToOpaqueAuth();
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        _nextXid = Random.Shared.Next(); // see RpcClient: a new client must not reuse an earlier one's xids
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>A client for the server at <paramref name="endPoint"/> (no packets are exchanged until the first call).</summary>
    public static RpcUdpClient Create(IPEndPoint endPoint, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new RpcClientOptions();
        options.Validate();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (options.UsePrivilegedPort)
                PrivilegedPort.Bind(socket, endPoint.AddressFamily);
            socket.Connect(endPoint);
            return new RpcUdpClient(socket, options);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one call, retransmitting it until the reply comes, and returns the procedure's result bytes. Throws
    /// <see cref="RpcException"/> for a non-SUCCESS reply, <see cref="TimeoutException"/> after
    /// <see cref="RpcClientOptions.CallTimeout"/>, <see cref="OperationCanceledException"/> when cancelled and
    /// <see cref="IOException"/> when the server's port is unreachable or the call does not fit a datagram.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
        where TCodec : IXdrCodec<TArguments>
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pending = new PendingRpcCall(program, version, procedure);
        uint xid = RpcCallMessages.Register(_pending, ref _nextXid, pending);
        using var message = RpcCallMessages.Encode<TArguments, TCodec>(xid, program, version, procedure, _credential, arguments, recordMarked: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            var interval = _options.RetransmitInterval;
            while (true)
            {
                await SendAsync(message.WrittenMemory, timeout.Token).ConfigureAwait(false);
                try
                {
                    return await pending.Task.WaitAsync(interval, timeout.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No reply yet: the call or its reply was lost (or the server is slow); the same xid goes again.
                    interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxRetransmitInterval.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_closing.IsCancellationRequested)
        {
            throw new TimeoutException($"RPC call over UDP to program {program} version {version} procedure {procedure} (xid 0x{xid:x8}) got no reply within {_options.CallTimeout}.");
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(RpcUdpClient));
        }
        finally
        {
            _pending.TryRemove(xid, out _);
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            throw new IOException($"Sending a call to {RemoteEndPoint} over UDP failed: {exception.Message}", exception);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(RpcUdpClient));
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateArray<byte>(RpcUdpOptions.MaxDatagramPayload + 1, pinned: true);
        var token = _closing.Token;
        while (!token.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // ICMP port unreachable for one of our datagrams: nothing serves that port, so no call can succeed now.
                FailAll(new IOException($"Nothing answers RPC over UDP at {RemoteEndPoint} (port unreachable).", exception));
                continue;
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            // A datagram that is not a reply is somebody's mistake, not a reason to stop listening.
            RpcCallMessages.Deliver(buffer.AsMemory(0, length), _pending);
        }
        FailAll(new ObjectDisposedException(nameof(RpcUdpClient)));
    }

    private void FailAll(Exception failure)
    {
        foreach (var entry in _pending)
        {
            if (_pending.TryRemove(entry.Key, out var call))
                call.TrySetException(failure);
        }
    }

    /// <summary>Closes the socket; calls still waiting fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _closing.Cancel();
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
    }
}
