using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// An ONC RPC client over one TCP connection (RFC 5531): many calls may be outstanding at once, replies are
/// matched to calls by xid in whatever order they come back, and each call has a timeout and honours
/// cancellation. Non-SUCCESS replies throw <see cref="RpcException"/>; a broken connection fails every
/// outstanding and later call with <see cref="IOException"/> (connect again for a new one). The generated
/// client stubs (<c>NfsV3Client</c>, <c>MountV3Client</c>, ...) take it as their transport.
/// <para>
/// Sends: a call's record is queued, and one flush on the thread pool sends every record queued by then, copied
/// together (one syscall for the calls that replies released together, not one each). Receives: the socket is read
/// straight into one buffer and every reply in it delivered, one syscall per batch of replies.
/// </para>
/// </summary>
public sealed class RpcClient : IXdrCallTransport, IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly RpcClientOptions _options;
    private readonly OpaqueAuth _credential;
    private readonly ConcurrentDictionary<uint, PendingRpcCall> _pending = new();
    private readonly ConcurrentQueue<XdrBufferWriter> _outgoing = new();
    private readonly Flush _flush;
    private int _flushQueued;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private Exception? _failure;
    private int _nextXid;
    private int _disposed;

    private RpcClient(Socket socket, RpcClientOptions options)
    {
        _socket = socket;
        _options = options;
        _credential = options.Credential.ToOpaqueAuth();
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        // A random first xid, so a reconnecting client does not reuse the xids of its previous
        // connection, which a server's duplicate request cache would take for retransmissions.
        _nextXid = Random.Shared.Next();
        _flush = new Flush(this);
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Resolves <paramref name="host"/> and connects to the first of its addresses that answers.</summary>
    public static async Task<RpcClient> ConnectAsync(string host, int port, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(address, port), options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or TimeoutException)
            {
                last = exception;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    public static async Task<RpcClient> ConnectAsync(IPEndPoint endPoint, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new RpcClientOptions();
        options.Validate();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (options.UsePrivilegedPort)
                PrivilegedPort.Bind(socket, endPoint.AddressFamily);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {endPoint} took longer than {options.ConnectTimeout}.");
            }
            return new RpcClient(socket, options);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one call and returns the procedure's result bytes (the caller owns them). Throws
    /// <see cref="RpcException"/> for a non-SUCCESS reply, <see cref="TimeoutException"/> after
    /// <see cref="RpcClientOptions.CallTimeout"/>, <see cref="OperationCanceledException"/> when cancelled and
    /// <see cref="IOException"/> when the connection is lost. A call cancelled or timed out after it was sent
    /// may still run on the server; its late reply is discarded.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> CallAsync<TArguments, TCodec>(uint program, uint version, uint procedure, TArguments arguments, CancellationToken cancellationToken)
        where TCodec : IXdrCodec<TArguments>
    {
        ThrowIfBroken();
        var pending = new PendingRpcCall(program, version, procedure);
        uint xid = RpcCallMessages.Register(_pending, ref _nextXid, pending);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            // The connection may have failed between the check above and the registration; the failing side
            // only fails calls it finds registered.
            ThrowIfBroken();
            Send(RpcCallMessages.Encode<TArguments, TCodec>(xid, program, version, procedure, _credential, arguments, recordMarked: true));
            return await pending.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RPC call to program {program} version {version} procedure {procedure} (xid 0x{xid:x8}) got no reply within {_options.CallTimeout}.");
        }
        finally
        {
            _pending.TryRemove(xid, out _);
        }
    }

    /// <summary>
    /// Queues a record for the flush, and queues the flush unless one is queued or running. A record, once queued, goes
    /// out whole whatever its caller's token says: half a record would corrupt the stream for every other call.
    /// </summary>
    private void Send(XdrBufferWriter record)
    {
        _outgoing.Enqueue(record);
        if (Interlocked.CompareExchange(ref _flushQueued, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(_flush, preferLocal: false);
    }

    /// <summary>The flush, on the thread pool: behind the continuations already queued, so their calls go with it.</summary>
    private sealed class Flush(RpcClient client) : IThreadPoolWorkItem
    {
        public void Execute() => _ = client.FlushAsync();
    }

    /// <summary>Sends the queued records, many small ones copied into one send, until none is left.</summary>
    private async Task FlushAsync()
    {
        byte[] coalesced = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int used = 0;
                while (_outgoing.TryDequeue(out var record))
                {
                    using (record)
                    {
                        var data = record.WrittenMemory;
                        if (data.Length > coalesced.Length - used && used > 0)
                        {
                            await SendAllAsync(coalesced.AsMemory(0, used)).ConfigureAwait(false);
                            used = 0;
                        }
                        if (data.Length > coalesced.Length)
                        {
                            await SendAllAsync(data).ConfigureAwait(false);
                            continue;
                        }
                        data.Span.CopyTo(coalesced.AsSpan(used));
                        used += data.Length;
                    }
                }
                if (used > 0)
                    await SendAllAsync(coalesced.AsMemory(0, used)).ConfigureAwait(false);
                // Done unless a record came after the queue looked empty and its sender saw this flush still queued.
                Volatile.Write(ref _flushQueued, 0);
                if (_outgoing.IsEmpty || Interlocked.CompareExchange(ref _flushQueued, 1, 0) != 0)
                    return;
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            Fail(new IOException($"Sending to {RemoteEndPoint} failed.", exception));
            while (_outgoing.TryDequeue(out var record))
                record.Dispose();
            Volatile.Write(ref _flushQueued, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(coalesced);
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private async Task ReceiveLoopAsync()
    {
        using var assembler = new RecordAssembler(_options.MaxRecordSize);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        Exception failure;
        try
        {
            failure = await ReceiveRepliesAsync(buffer, assembler).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            failure = _closing.IsCancellationRequested
                ? new ObjectDisposedException(nameof(RpcClient))
                : new IOException($"Receiving from {RemoteEndPoint} failed.", exception);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Fail(failure);
    }

    /// <summary>Delivers replies until the stream ends or breaks the protocol; returns why it stopped.</summary>
    private async Task<Exception> ReceiveRepliesAsync(byte[] buffer, RecordAssembler assembler)
    {
        // Bytes received and not yet taken: buffer[0..end), all but a partial record mark after each round.
        int end = 0;
        while (true)
        {
            int received = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _closing.Token).ConfigureAwait(false);
            if (received == 0)
                return new IOException($"{RemoteEndPoint} closed the connection.");
            end += received;
            var input = new ReadOnlySequence<byte>(buffer, 0, end);
            while (true)
            {
                var status = assembler.TryAssemble(ref input);
                if (status == RecordStatus.TooLarge)
                    return new IOException($"{RemoteEndPoint} sent a reply record over {_options.MaxRecordSize} bytes.");
                if (status == RecordStatus.NeedMoreData)
                    break;
                var record = assembler.TakeRecord(out int length);
                try
                {
                    if (!RpcCallMessages.Deliver(record.AsMemory(0, length), _pending))
                        return new IOException($"{RemoteEndPoint} sent a message that is not a well-formed RPC reply.");
                }
                finally
                {
                    RecordAssembler.ReturnRecord(record);
                }
            }
            // All taken but a partial record mark (under 4 bytes): keep it at the front.
            int left = (int)input.Length;
            buffer.AsSpan(end - left, left).CopyTo(buffer);
            end = left;
        }
    }

    /// <summary>Marks the connection broken (first cause wins) and fails every call waiting on it.</summary>
    private void Fail(Exception failure)
    {
        Interlocked.CompareExchange(ref _failure, failure, null);
        foreach (var entry in _pending)
        {
            if (_pending.TryRemove(entry.Key, out var pending))
                pending.TrySetException(BrokenException());
        }
    }

    private void ThrowIfBroken()
    {
        if (Volatile.Read(ref _failure) is not null)
            throw BrokenException();
    }

    private Exception BrokenException() => _failure switch
    {
        ObjectDisposedException => new ObjectDisposedException(nameof(RpcClient)),
        var cause => new IOException($"The RPC connection to {RemoteEndPoint} is broken: {cause!.Message}", cause),
    };

    /// <summary>Closes the connection; calls still waiting fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Fail(new ObjectDisposedException(nameof(RpcClient)));
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
    }
}
