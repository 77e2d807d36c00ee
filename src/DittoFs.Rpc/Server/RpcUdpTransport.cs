using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc;

/// <summary>
/// ONC RPC over UDP for an <see cref="RpcServer"/>: one datagram is one call (no record marking), and the reply goes
/// back to the sender's address and port from the same socket, in one datagram. Calls run through the same
/// <see cref="RpcCall"/> as TCP's.
/// <para>
/// Bounds: a call holds one of <see cref="RpcUdpOptions.MaxInFlight"/> slots, each with a receive buffer and the
/// sender's address, from receipt until its reply is sent. With no slot free the receive loop stops reading, so
/// datagrams wait in the kernel's socket buffer (and beyond it are dropped by the kernel; clients retransmit). Slots are
/// created as concurrency first needs them and kept, so the memory is bounded by the limit, not by the traffic.
/// </para>
/// <para>
/// Datagrams that are not RPC calls (shorter than an xid and a message type, or not a CALL) are dropped: there is no
/// call to answer. Everything else is answered as the RFC says (GARBAGE_ARGS, PROG_UNAVAIL, AUTH_ERROR, ...) by the
/// call. A reply longer than <see cref="RpcUdpOptions.MaxReplySize"/> is replaced by SYSTEM_ERR.
/// </para>
/// <para>
/// Allocation: receive and send use the <see cref="SocketAddress"/> overloads with buffers the slots own, and a slot
/// remembers the <see cref="IPEndPoint"/> of its last sender, so a steady stream of calls allocates nothing per
/// datagram for addressing.
/// </para>
/// </summary>
internal sealed class RpcUdpTransport : IRpcTransport
{
    /// <summary>Larger than any UDP payload, so the kernel never cuts a datagram short silently.</summary>
    public const int ReceiveBufferSize = 64 * 1024;

    private static readonly TimeSpan ReceiveRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly Socket _socket;
    private readonly SemaphoreSlim _slots;
    private readonly Stack<DatagramSlot> _freeSlots = new();
    private readonly Lock _slotLock = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _calls = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _receivingDone;
    private int _closed;

    public RpcUdpTransport(RpcServer server, Socket socket, RpcProgramTable programs, DuplicateRequestCache? duplicateRequests, RpcUdpOptions options)
    {
        Server = server;
        _socket = socket;
        Programs = programs;
        DuplicateRequests = duplicateRequests;
        MaxReplySize = options.MaxReplySize;
        _slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        CallsToken = _calls.Token;
    }

    public RpcServer Server { get; }
    public RpcProgramTable Programs { get; }
    public DuplicateRequestCache? DuplicateRequests { get; }
    public CancellationToken CallsToken { get; }
    public int MaxReplySize { get; }
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>A datagram is sent from one buffer: out-of-line data is copied into the reply.</summary>
    public bool SendsOutOfLineData => false;

    /// <summary>Calls received and not finished yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes when receiving has stopped and every call received has finished (or the socket was closed by force).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts receiving on the thread pool.</summary>
    public void Start() => Completion = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        await ReceiveLoopAsync().ConfigureAwait(false);
        Interlocked.Exchange(ref _receivingDone, 1);
        if (Volatile.Read(ref _inFlight) == 0)
            _drained.TrySetResult();
        await _drained.Task.ConfigureAwait(false);
        Close();
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _stopReceiving.Token;
        while (true)
        {
            DatagramSlot slot;
            int length;
            try
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            slot = TakeSlot();
            try
            {
                length = await _socket.ReceiveFromAsync(slot.Buffer, SocketFlags.None, slot.Address, token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                GiveBack(slot);
                if (exception is OperationCanceledException or ObjectDisposedException || token.IsCancellationRequested)
                    return;
                if (exception is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
                    continue; // an ICMP error about an earlier reply, reported on the socket: nothing to do with the next datagram
                RpcLog.UdpReceiveFailed(Server.Logger, exception, LocalEndPoint);
                try
                {
                    await Task.Delay(ReceiveRetryDelay, token).ConfigureAwait(false); // do not spin on a socket that fails the same way at once
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            var client = slot.Sender();
            if (!RpcCallHeader.IsCall(slot.Buffer.AsSpan(0, length)))
            {
                // No xid and CALL to answer (or a REPLY: answering replies could make two servers ping-pong forever).
                RpcLog.DatagramDropped(Server.Logger, client, length);
                GiveBack(slot);
                continue;
            }
            Interlocked.Increment(ref _inFlight);
            var call = Server.CallPool.Rent();
            call.Start(this, client, slot.Buffer, length, slot);
            ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: false);
        }
    }

    /// <summary>The buffer is the slot's and goes back with it when the call is finished.</summary>
    public void ReturnRequest(byte[] request)
    {
    }

    public void SendReply(RpcCall call)
    {
        var slot = (DatagramSlot)call.TransportState!;
        try
        {
            // A blocking send, on the thread that finished the call: a UDP send returns as soon as the datagram is in the
            // socket buffer (it waits only when that buffer is full), and unlike SendToAsync, whose one cached operation
            // is busy whenever two calls finish together, it needs no operation object, so it allocates nothing.
            _socket.SendTo(call.Reply.Span[RecordMark.Length..], SocketFlags.None, slot.Address);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            RpcLog.UdpSendFailed(Server.Logger, exception, slot.Sender());
        }
        CallFinished(call);
    }

    public void CallFinished(RpcCall call)
    {
        var slot = (DatagramSlot)call.TransportState!;
        Server.CallPool.Return(call);
        GiveBack(slot);
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _receivingDone) == 1)
            _drained.TrySetResult();
    }

    private DatagramSlot TakeSlot()
    {
        lock (_slotLock)
        {
            if (_freeSlots.TryPop(out var slot))
                return slot;
        }
        return new DatagramSlot(_socket.AddressFamily);
    }

    private void GiveBack(DatagramSlot slot)
    {
        lock (_slotLock)
            _freeSlots.Push(slot);
        _slots.Release();
    }

    /// <summary>Graceful stop: read no more datagrams and cancel the running calls' token; closes once they have answered.</summary>
    public void BeginShutdown()
    {
        _stopReceiving.Cancel();
        CancelCalls();
    }

    /// <summary>The shutdown timeout expired: close the socket now, whatever is still running (its replies are not sent).</summary>
    public void ForceClose()
    {
        BeginShutdown();
        Close();
        _drained.TrySetResult();
    }

    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
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
            // A service's cancellation callback threw; the transport stops regardless.
        }
    }

    /// <summary>
    /// What one call received over UDP holds until it is answered: the datagram's buffer and the sender's address,
    /// which the reply goes to. Remembers the <see cref="IPEndPoint"/> of its last sender, since most datagrams come
    /// from a client seen before.
    /// </summary>
    private sealed class DatagramSlot
    {
        private readonly SocketAddress _lastAddress;
        private readonly IPEndPoint _template;
        private IPEndPoint? _lastSender;

        public DatagramSlot(AddressFamily family)
        {
            Buffer = GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
            Address = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
            _lastAddress = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
            _template = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        }

        public byte[] Buffer { get; }

        /// <summary>The sender of the datagram in <see cref="Buffer"/> (filled by the receive), where the reply goes.</summary>
        public SocketAddress Address { get; }

        public IPEndPoint Sender()
        {
            if (_lastSender is not null && Address.Equals(_lastAddress))
                return _lastSender;
            _lastSender = RpcServer.ClientEndPoint((IPEndPoint)_template.Create(Address)); // the reply goes to Address, as received
            _lastAddress.Size = Address.Size;
            Address.Buffer.Span[..Address.Size].CopyTo(_lastAddress.Buffer.Span);
            return _lastSender;
        }
    }
}
