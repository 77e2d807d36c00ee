using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DittoFs.Rpc;

/// <summary>
/// One client connection of an <see cref="RpcServer"/>: a read loop that reassembles call records and
/// queues each as an <see cref="RpcCall"/> on the thread pool, and a write loop that sends replies in the
/// order they finish (RFC 5531 lets replies leave out of order; the xid pairs them up).
/// <para>
/// Backpressure: a call holds one of <see cref="RpcServerOptions.MaxInFlightPerConnection"/> slots from
/// receipt until its reply is sent. With none free the read loop stops reading the socket, so TCP flow
/// control pushes back on the client and the buffers a connection pins stay bounded.
/// </para>
/// <para>
/// Writes: finished calls go through a channel to the single write loop, so each reply is sent whole.
/// Replies that are ready together are copied into one send buffer (one syscall for many small replies);
/// a reply too large for it is sent straight from its own buffer, and one with out-of-line data (a large READ's,
/// <see cref="ReplyData"/>) in pieces (<see cref="ExternalReplySender"/>), never copied into the send buffer.
/// </para>
/// <para>
/// Memory of partial records: a record buffer past 8 KiB is charged to the server's <see cref="RecordBudget"/>; with
/// none left the read loop waits for it (reading nothing, so the socket's data stays in the kernel), and a partial
/// record that gets no byte for <see cref="RpcServerOptions.RecordTimeout"/> (stalled by its client, or waiting for
/// budget) closes the connection, giving its bytes back.
/// </para>
/// <para>
/// Reads: while calls are in flight the socket is read straight into the connection's receive buffer, and the calls
/// that arrived together are taken from it one by one; an idle connection waits with a zero-byte receive and holds no
/// buffer. The rest of a large fragment (a WRITE's data) is received from the socket straight into its record buffer.
/// Both loops await inside their own long-lived state machines, so neither allocates per call.
/// </para>
/// </summary>
internal sealed class RpcConnection : IRpcTransport
{
    private const int CoalescedSendSize = 64 * 1024;
    private const int DirectReceiveSize = 64 * 1024;
    private const int ReceiveBufferSize = 64 * 1024;

    // Receive buffers go back to the pool whenever a connection goes idle, on whichever thread runs its read loop then;
    // the shared pool would keep each in that thread's cache, where the next rent, on another thread, misses it. This
    // pool has no thread caches and keeps at most 256 (16 MiB) for reuse.
    private static readonly ArrayPool<byte> ReceiveBuffers = ArrayPool<byte>.Create(ReceiveBufferSize, 256);
    private const int MaxRepliesPerBatch = 64;

    private readonly Socket _socket;
    private byte[]? _received;
    private readonly RecordAssembler _assembler;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<RpcCall> _replies;
    private readonly RpcCall[] _batch;
    private readonly ExternalReplySender _externalSender;
    private readonly CancellationTokenSource _calls = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stateLock = new();
    private RpcConnectionCloseReason? _closeReason;
    private bool _closed;
    private int _inFlight;
    private int _readingDone;
    private long _lastActivity;
    private long _lastReceived;
    private bool _recordPending;

    public RpcConnection(RpcServer server, Socket socket, IPEndPoint remoteEndPoint, IPEndPoint localEndPoint)
    {
        Server = server;
        _socket = socket;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        CallsToken = _calls.Token;
        _assembler = new RecordAssembler(server.MaxRecordSize, server.RecordBudget);
        _slots = new SemaphoreSlim(server.MaxInFlightPerConnection, server.MaxInFlightPerConnection);
        _replies = Channel.CreateUnbounded<RpcCall>(new UnboundedChannelOptions { SingleReader = true });
        _batch = new RpcCall[Math.Min(MaxRepliesPerBatch, server.MaxInFlightPerConnection)];
        _externalSender = new ExternalReplySender(socket);
        _lastActivity = Environment.TickCount64;
        _lastReceived = _lastActivity;
        Completion = Task.CompletedTask;
    }

    public RpcServer Server { get; }
    public IPEndPoint RemoteEndPoint { get; }
    public IPEndPoint LocalEndPoint { get; }
    public RpcProgramTable Programs => Server.Programs;
    public DuplicateRequestCache? DuplicateRequests => Server.DuplicateRequests;
    public bool SendsOutOfLineData => ExternalReplySender.IsSupported;

    /// <summary>A record can be as long as the record mark says (31 bits); replies are not limited.</summary>
    public int MaxReplySize => int.MaxValue;

    public void ReturnRequest(byte[] request) => RecordAssembler.ReturnRecord(request);

    /// <summary>Handed to every call; cancelled when the connection closes or the server stops.</summary>
    public CancellationToken CallsToken { get; }

    /// <summary>Completes when the connection is closed (calls that ignore cancellation may still be running).</summary>
    public Task Completion { get; private set; }

    /// <summary>Runs the connection on the thread pool (not on the accept loop, which must get back to accepting).</summary>
    public void Start() => Completion = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var writing = WriteLoopAsync();
        try
        {
            var reason = await ReadLoopAsync().ConfigureAwait(false);
            SetCloseReason(reason);
            if (reason is RpcConnectionCloseReason.ClientClosed or RpcConnectionCloseReason.Shutdown)
            {
                // No more calls will come: answer the ones running, then close.
                Interlocked.Exchange(ref _readingDone, 1);
                if (Volatile.Read(ref _inFlight) == 0)
                    _drained.TrySetResult();
                await _drained.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            Close();
            await writing.ConfigureAwait(false);
            RpcConnectionCloseReason closeReason;
            lock (_stateLock)
                closeReason = _closeReason ?? RpcConnectionCloseReason.TransportError;
            Server.OnConnectionClosed(this, closeReason);
        }
    }

    private async Task<RpcConnectionCloseReason> ReadLoopAsync()
    {
        var token = CallsToken;
        // Bytes received and not yet taken into a record: _received[start..end).
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
                while (true)
                {
                    var status = RecordStatus.NeedMoreData;
                    if (end > start)
                    {
                        var input = new ReadOnlySequence<byte>(_received!, start, end - start);
                        status = _assembler.TryAssemble(ref input);
                        start = end - (int)input.Length;
                    }
                    if (status == RecordStatus.Complete)
                    {
                        // The rest may already hold the next calls.
                        Volatile.Write(ref _recordPending, false);
                        break;
                    }
                    if (status == RecordStatus.NeedBudget)
                    {
                        // The rest stays in the receive buffer and nothing more is read until the budget lets the record grow.
                        await WaitForBudgetAsync(token).ConfigureAwait(false);
                        continue;
                    }
                    if (status == RecordStatus.TooLarge)
                    {
                        RpcLog.RecordTooLarge(Server.Logger, RemoteEndPoint, Server.MaxRecordSize);
                        return RpcConnectionCloseReason.ProtocolViolation;
                    }
                    // Part of a record (or of a fragment header) is in: from now on the record timeout watches it.
                    Volatile.Write(ref _recordPending, _assembler.HasPartialRecord || end > start);
                    if (_assembler.FragmentRemaining >= DirectReceiveSize)
                    {
                        // All input is taken and a large fragment goes on (a WRITE's data): receive the rest of it from
                        // the socket straight into the record, saving a copy, holding no receive buffer meanwhile.
                        ReturnReceiveBuffer();
                        start = end = 0;
                        while (status == RecordStatus.NeedMoreData && _assembler.FragmentRemaining > 0)
                        {
                            var tail = _assembler.FragmentTail(_socket.Available);
                            if (tail.IsEmpty)
                            {
                                await WaitForBudgetAsync(token).ConfigureAwait(false);
                                continue;
                            }
                            int received = await _socket.ReceiveAsync(tail, SocketFlags.None, token).ConfigureAwait(false);
                            if (received == 0)
                                return RpcConnectionCloseReason.ClientClosed;
                            Volatile.Write(ref _lastReceived, Environment.TickCount64);
                            status = _assembler.Received(received);
                        }
                        Volatile.Write(ref _lastActivity, Environment.TickCount64);
                        if (status == RecordStatus.Complete)
                        {
                            Volatile.Write(ref _recordPending, false);
                            break;
                        }
                        continue;
                    }

                    // All input is taken but a partial fragment header (under 4 bytes): keep it at the front.
                    if (end > start)
                        _received.AsSpan(start, end - start).CopyTo(_received);
                    end -= start;
                    start = 0;
                    if (end == 0 && Volatile.Read(ref _inFlight) == 0)
                    {
                        // Idle: wait for data without holding a buffer (a zero-byte receive completes when bytes arrive).
                        ReturnReceiveBuffer();
                        await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
                    }
                    // Busy: receive straight into the buffer, one syscall when bytes are there (a zero-byte receive
                    // first would be two), and the next calls are taken from it without a syscall.
                    _received ??= ReceiveBuffers.Rent(ReceiveBufferSize);
                    int count = await _socket.ReceiveAsync(_received.AsMemory(end), SocketFlags.None, token).ConfigureAwait(false);
                    if (count == 0)
                        return RpcConnectionCloseReason.ClientClosed;
                    end += count;
                    long now = Environment.TickCount64;
                    Volatile.Write(ref _lastActivity, now);
                    Volatile.Write(ref _lastReceived, now);
                }

                var record = _assembler.TakeRecord(out int length);
                if (!RpcCallHeader.IsCall(record.AsSpan(0, length)))
                {
                    RecordAssembler.ReturnRecord(record);
                    RpcLog.NotACall(Server.Logger, RemoteEndPoint, length);
                    return RpcConnectionCloseReason.ProtocolViolation;
                }
                Interlocked.Increment(ref _inFlight);
                var call = Server.CallPool.Rent();
                call.Start(this, RemoteEndPoint, record, length);
                ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: false);
            }
        }
        catch (OperationCanceledException)
        {
            return RpcConnectionCloseReason.Shutdown;
        }
        catch (Exception exception)
        {
            // IOException, SocketException, ObjectDisposedException: reset by the peer or closed by us.
            if (exception is not (IOException or SocketException or ObjectDisposedException))
                RpcLog.ReadFailed(Server.Logger, exception, RemoteEndPoint);
            return IsOrderlyReset(exception) ? RpcConnectionCloseReason.ClientClosed : RpcConnectionCloseReason.TransportError;
        }
        finally
        {
            _assembler.Dispose();
            ReturnReceiveBuffer();
        }
    }

    private void ReturnReceiveBuffer()
    {
        if (_received is null)
            return;
        ReceiveBuffers.Return(_received);
        _received = null;
    }

    /// <summary>
    /// A reset between calls (none half received) is the client closing: libnfs closes every connection so (SO_LINGER 0
    /// makes its close a reset). Calls it left unanswered do not make it a network failure; their replies are dropped
    /// as with any close. Not whether a reply is still being sent: that would race the client reading it and closing.
    /// </summary>
    private bool IsOrderlyReset(Exception exception) =>
        (exception as SocketException ?? exception.InnerException as SocketException)?.SocketErrorCode == SocketError.ConnectionReset
        && !Volatile.Read(ref _recordPending);

    /// <summary>
    /// Waits, reading nothing, until the server's record budget lets the partial record grow. The record timeout keeps
    /// running meanwhile: connections that each hold part of the budget while waiting for more (none able to finish)
    /// are closed by it, so the budget cannot stay deadlocked.
    /// </summary>
    private async Task WaitForBudgetAsync(CancellationToken token)
    {
        Volatile.Write(ref _recordPending, true);
        await _assembler.WaitForBudgetAsync(token).ConfigureAwait(false);
    }

    /// <summary>Queues a finished call's reply for sending; without a connection to send on, just recycles it.</summary>
    public void SendReply(RpcCall call)
    {
        if (!_replies.Writer.TryWrite(call))
            CallFinished(call);
    }

    /// <summary>A call is over (reply sent, dropped or undeliverable): recycle it and free its slot.</summary>
    public void CallFinished(RpcCall call)
    {
        Server.CallPool.Return(call);
        _slots.Release();
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _readingDone) == 1)
            _drained.TrySetResult();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _replies.Reader;
        bool broken = false;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                int count = 0;
                while (count < _batch.Length && reader.TryRead(out var call))
                    _batch[count++] = call;
                if (!broken)
                {
                    // The sends are awaited here, in the connection's one long-lived state machine, not in helper async
                    // methods: those would need a state machine box per batch that had to wait for the socket.
                    byte[]? coalesced = count > 1 ? ArrayPool<byte>.Shared.Rent(CoalescedSendSize) : null;
                    try
                    {
                        int next = 0;
                        while (next < count)
                        {
                            if (_batch[next].HasOutOfLineData)
                            {
                                await _externalSender.SendAsync(_batch[next].Data).ConfigureAwait(false);
                                next++;
                                continue;
                            }
                            var data = NextSend(coalesced, ref next, count);
                            while (!data.IsEmpty)
                            {
                                int sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                                data = data[sent..];
                            }
                        }
                        Volatile.Write(ref _lastActivity, Environment.TickCount64);
                    }
                    catch (Exception)
                    {
                        // The socket failed or was closed under us; later replies have nowhere to go.
                        broken = true;
                        Abort(RpcConnectionCloseReason.TransportError);
                    }
                    finally
                    {
                        if (coalesced is not null)
                            ArrayPool<byte>.Shared.Return(coalesced);
                    }
                }
                for (int i = 0; i < count; i++)
                {
                    var call = _batch[i];
                    _batch[i] = null!;
                    CallFinished(call);
                }
            }
        }
        finally
        {
            _externalSender.Dispose();
        }
    }

    /// <summary>
    /// The next bytes to send from the batch, starting at reply <paramref name="next"/> (one without out-of-line data):
    /// a reply too large for the coalescing buffer (or the only one) as it is, else as many replies as fit copied into
    /// <paramref name="coalesced"/>, up to one with out-of-line data, so that many small replies leave in one send.
    /// </summary>
    private ReadOnlyMemory<byte> NextSend(byte[]? coalesced, ref int next, int count)
    {
        var reply = _batch[next].Reply;
        if (coalesced is null || reply.Length > coalesced.Length)
        {
            next++;
            return reply;
        }
        int used = 0;
        while (next < count && _batch[next].Reply.Length <= coalesced.Length - used && !_batch[next].HasOutOfLineData)
        {
            _batch[next].Reply.Span.CopyTo(coalesced.AsSpan(used));
            used += _batch[next].Reply.Length;
            next++;
        }
        return coalesced.AsMemory(0, used);
    }

    /// <summary>
    /// Closes the connection if no call is running and nothing arrived for <paramref name="idleMilliseconds"/>, or if a
    /// partly received record got no byte for <paramref name="recordMilliseconds"/> (whether the client stalled or the
    /// connection waited for budget).
    /// </summary>
    public void CloseIfIdle(long now, long idleMilliseconds, long recordMilliseconds)
    {
        if (Volatile.Read(ref _closed))
            return; // closing already; the sweep may see it once more before it is gone
        if (Volatile.Read(ref _recordPending) && now - Volatile.Read(ref _lastReceived) >= recordMilliseconds)
        {
            RpcLog.RecordTimedOut(Server.Logger, RemoteEndPoint, _assembler.Charged);
            Abort(RpcConnectionCloseReason.RecordTimeout);
        }
        else if (Volatile.Read(ref _inFlight) == 0 && now - Volatile.Read(ref _lastActivity) >= idleMilliseconds)
            Abort(RpcConnectionCloseReason.IdleTimeout);
    }

    /// <summary>Graceful stop: read no more calls, cancel the running ones' token, close once they have answered.</summary>
    public void BeginShutdown()
    {
        SetCloseReason(RpcConnectionCloseReason.Shutdown);
        CancelCalls();
    }

    /// <summary>The shutdown timeout expired: close now, whatever is still running.</summary>
    public void ForceClose()
    {
        lock (_stateLock)
        {
            if (!_closed && _closeReason is null or RpcConnectionCloseReason.Shutdown)
                _closeReason = RpcConnectionCloseReason.ForcedShutdown;
        }
        Close();
    }

    private void Abort(RpcConnectionCloseReason reason)
    {
        SetCloseReason(reason);
        Close();
    }

    private void SetCloseReason(RpcConnectionCloseReason reason)
    {
        lock (_stateLock)
            _closeReason ??= reason;
    }

    private void Close()
    {
        lock (_stateLock)
        {
            if (_closed)
                return;
            _closed = true;
        }
        CancelCalls();
        _drained.TrySetResult();
        // Replies finishing from now on are recycled by SendReply; those queued are drained by the write loop.
        _replies.Writer.TryComplete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer.
        }
        _socket.Dispose();
    }

    private void CancelCalls()
    {
        try
        {
            _calls.Cancel();
        }
        catch (AggregateException)
        {
            // A service's cancellation callback threw; the connection closes regardless.
        }
    }
}
