using System.Diagnostics;
using System.Net;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// One call from receipt to reply, run as a thread-pool work item. Instances are pooled with their reply
/// buffer and context, and an asynchronous dispatch resumes through a delegate created once per instance,
/// so a call allocates nothing in steady state.
/// <para>
/// The same for every transport (<see cref="IRpcTransport"/>: a TCP connection or the UDP socket), so there is one
/// way to check a header, authenticate, find the program, consult the duplicate request cache and encode a reply.
/// </para>
/// <para>
/// Buffer ownership: the request (a record rented by a connection's <see cref="RecordAssembler"/>, or a UDP receive buffer) belongs
/// to the call until its dispatch completes, because decoded arguments are slices of it; the result is
/// encoded into the reply buffer by then, so the record goes back to the pool before the reply is sent.
/// The reply buffer belongs to the call until the transport has sent it and returns the call to the pool, and so
/// does the reply's out-of-line data (<see cref="ReplyData"/>: a READ's buffer or lent bytes, and their loans), which
/// the pool's <see cref="Reset"/> gives back.
/// </para>
/// </summary>
internal sealed class RpcCall : IThreadPoolWorkItem, IDisposable
{
    /// <summary>
    /// Out-of-line data smaller than this is copied into the reply buffer: one copy of a few KiB costs less than the
    /// separate gathered send, and the reply can then leave in one send with others.
    /// </summary>
    private const int MinOutOfLine = 32 * 1024;

    /// <summary>The reply buffer's size when new: every reply but a large READ's or READDIR's fits.</summary>
    private const int ReplyBufferSize = 4096;

    /// <summary>
    /// Buffers up to this size are kept by every pooled call: a 4 KiB READ's data buffer, and its reply (4.2 KiB), which
    /// grows the reply buffer to 8 KiB. With more READs in flight than the calls that keep large buffers (64 connections
    /// x 16), giving them back made every READ rent new ones, which the shared pool missed: 6.4 KB allocated per READ.
    /// </summary>
    private const int KeptBufferSize = 8192;

    private readonly XdrBufferWriter _reply = new(ReplyBufferSize);
    private readonly ReplyData _data;
    private readonly RpcCallContext _context = new() { Gids = new uint[AuthSysLimits.MaxGroups] };
    private readonly Action _onDispatchCompleted;
    private IRpcTransport? _transport;
    private IPEndPoint? _client;
    private byte[] _request = [];
    private int _requestLength;
    private long _receivedAt;
    private RpcCallHeader _header;
    private ValueTask<XdrDispatchResult> _pending;
    private DuplicateRequestCache.Key? _duplicateKey;

    public RpcCall()
    {
        _onDispatchCompleted = OnDispatchCompleted;
        _data = new ReplyData(_reply);
        _context.ReplyData = _data;
    }

    /// <summary>
    /// The encoded reply, record mark included, when it is whole in one buffer (not <see cref="HasOutOfLineData"/>);
    /// valid once the call has handed itself to its transport (which sends it without the record mark over UDP).
    /// </summary>
    public ReadOnlyMemory<byte> Reply => _reply.WrittenMemory;

    /// <summary>Whether the reply's data lies outside its buffer, so that it is sent in pieces (<see cref="ExternalReplySender"/>).</summary>
    public bool HasOutOfLineData => _reply.HasOutOfLine;

    /// <summary>The reply's out-of-line data, with the buffer it belongs in.</summary>
    public ReplyData Data => _data;

    /// <summary>What the transport keeps with the call until it is finished (the UDP sender's address and receive buffer).</summary>
    public object? TransportState { get; private set; }

    /// <summary>
    /// Takes ownership of a complete call message from <paramref name="client"/> (the request buffer goes back through
    /// <see cref="IRpcTransport.ReturnRequest"/>); the call runs when queued to the thread pool.
    /// </summary>
    public void Start(IRpcTransport transport, IPEndPoint client, byte[] request, int length, object? transportState = null)
    {
        _transport = transport;
        _client = client;
        TransportState = transportState;
        _request = request;
        _requestLength = length;
        _receivedAt = Stopwatch.GetTimestamp();
    }

    public void Execute()
    {
        var transport = _transport!;
        RpcReplyWriter.Begin(_reply);
        var status = RpcCallHeader.Decode(_request.AsMemory(0, _requestLength), out _header, out var arguments);
        uint xid = _header.Xid;
        switch (status)
        {
            case CallHeaderStatus.RpcVersionMismatch:
                RpcReplyWriter.WriteRpcMismatch(_reply, xid);
                SendReply(RpcCallStatus.RpcVersionMismatch);
                return;
            case CallHeaderStatus.Truncated:
                RpcReplyWriter.WriteAccepted(_reply, xid, AcceptStat.GarbageArgs);
                SendReply(RpcCallStatus.GarbageArguments);
                return;
            case CallHeaderStatus.BadCredential:
                RejectCredential(AuthStat.AuthBadcred);
                return;
            case CallHeaderStatus.BadVerifier:
                RejectCredential(AuthStat.AuthBadverf);
                return;
        }

        // RFC 5531 §9 order, as other servers do it: authenticate first, then find program and version.
        var authStatus = RpcCredentials.Accept(_header.Credential, _context);
        if (authStatus != AuthStat.AuthOk)
        {
            RejectCredential(authStatus);
            return;
        }

        var program = transport.Programs.Find(_header.Program, _header.Version, out bool programKnown, out uint low, out uint high);
        if (program is null)
        {
            if (programKnown)
            {
                RpcReplyWriter.WriteAccepted(_reply, xid, AcceptStat.ProgMismatch, low, high);
                SendReply(RpcCallStatus.ProgramMismatch);
            }
            else
            {
                RpcReplyWriter.WriteAccepted(_reply, xid, AcceptStat.ProgUnavail);
                SendReply(RpcCallStatus.ProgramUnavailable);
            }
            return;
        }

        _context.Xid = xid;
        _context.Program = _header.Program;
        _context.Version = _header.Version;
        _context.Procedure = _header.Procedure;
        _context.Client = _client;
        _context.LocalEndPoint = transport.LocalEndPoint;
        _context.OverUdp = transport is RpcUdpTransport;
        _context.CancellationToken = transport.CallsToken;

        if (transport.DuplicateRequests is { } cache && cache.Applies(_header.Program, _header.Version, _header.Procedure)
            && !TryBeginOnce(cache, transport, arguments.Span))
            return;

        RpcReplyWriter.WriteAccepted(_reply, xid, AcceptStat.Success);
        ValueTask<XdrDispatchResult> pending;
        try
        {
            pending = program.DispatchAsync(_header.Procedure, arguments, _context, _reply);
        }
        catch (Exception exception)
        {
            Fail(exception);
            return;
        }
        if (pending.IsCompleted)
        {
            CompleteDispatch(pending);
            return;
        }
        _pending = pending;
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onDispatchCompleted);
    }

    /// <summary>
    /// False when the call is a retransmission: its cached reply has been sent again, or it is still running and
    /// this copy is dropped.
    /// </summary>
    private bool TryBeginOnce(DuplicateRequestCache cache, IRpcTransport transport, ReadOnlySpan<byte> arguments)
    {
        var key = cache.KeyOf(_client!, _header, arguments);
        switch (cache.Begin(key, out var cachedReply))
        {
            case DuplicateRequestCache.Outcome.New:
                _duplicateKey = key;
                return true;
            case DuplicateRequestCache.Outcome.Replay:
                _reply.Clear();
                cachedReply.AsSpan().CopyTo(_reply.GetSpan(cachedReply!.Length));
                _reply.Advance(cachedReply.Length);
                SendReply(RpcCallStatus.Success);
                return false;
            default:
                ReleaseRequest();
                Report(RpcCallStatus.Dropped);
                transport.CallFinished(this);
                return false;
        }
    }

    private void OnDispatchCompleted()
    {
        var pending = _pending;
        _pending = default;
        CompleteDispatch(pending);
    }

    private void CompleteDispatch(ValueTask<XdrDispatchResult> pending)
    {
        XdrDispatchResult result;
        try
        {
            result = pending.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            Fail(exception);
            return;
        }
        switch (result)
        {
            case XdrDispatchResult.Success:
                if (!_data.IsCarried)
                {
                    // The service produced data its result does not carry: a bug, answered rather than sent half-made.
                    Fail(new InvalidOperationException($"The reply's {_data.Length} bytes of data are not carried by the result."));
                    return;
                }
                SendReply(RpcCallStatus.Success);
                break;
            case XdrDispatchResult.ProcedureUnavailable:
                ReplaceWithAccepted(AcceptStat.ProcUnavail);
                SendReply(RpcCallStatus.ProcedureUnavailable);
                break;
            default:
                ReplaceWithAccepted(AcceptStat.GarbageArgs);
                SendReply(RpcCallStatus.GarbageArguments);
                break;
        }
    }

    private void Fail(Exception exception)
    {
        var transport = _transport!;
        if (exception is OperationCanceledException && _context.CancellationToken.IsCancellationRequested)
        {
            // The connection or the server is going away: the client cannot rely on this reply and will
            // retransmit on its next connection, so none is sent (as nfsd drops requests it cannot finish).
            RpcLog.CallDropped(transport.Server.Logger, _header.Program, _header.Version, _header.Procedure, _header.Xid, _client!);
            if (_duplicateKey is { } key)
                transport.DuplicateRequests!.Abandon(key);
            ReleaseRequest();
            Report(RpcCallStatus.Dropped);
            transport.CallFinished(this);
            return;
        }
        RpcLog.ServiceFailed(transport.Server.Logger, exception, _header.Program, _header.Version, _header.Procedure, _header.Xid, _client!);
        ReplaceWithAccepted(AcceptStat.SystemErr);
        SendReply(RpcCallStatus.SystemError);
    }

    private void RejectCredential(AuthStat why)
    {
        RpcReplyWriter.WriteAuthError(_reply, _header.Xid, why);
        SendReply(RpcCallStatus.AuthenticationError);
    }

    private void ReplaceWithAccepted(AcceptStat status)
    {
        RpcReplyWriter.Restart(_reply);
        _data.Drop();
        RpcReplyWriter.WriteAccepted(_reply, _header.Xid, status);
    }

    private void SendReply(RpcCallStatus status)
    {
        var transport = _transport!;
        ReleaseRequest();
        if (_duplicateKey is not null || !transport.SendsOutOfLineData || _data.Length < MinOutOfLine)
            _data.Inline(); // kept whole, sent from one buffer, or small
        int size = _reply.WrittenCount - RecordMark.Length + _reply.OutOfLineLength;
        if (size > transport.MaxReplySize)
        {
            // A datagram cut short, or never arriving, would leave the client retransmitting a call that has run;
            // a whole SYSTEM_ERR tells it at once that this call cannot be answered here.
            RpcLog.ReplyTooLarge(transport.Server.Logger, _header.Program, _header.Version, _header.Procedure, _header.Xid, _client!, size, transport.MaxReplySize);
            ReplaceWithAccepted(AcceptStat.SystemErr);
            status = RpcCallStatus.SystemError;
        }
        RpcReplyWriter.Finish(_reply);
        if (_duplicateKey is { } key)
            transport.DuplicateRequests!.Complete(key, _reply.WrittenSpan);
        Report(status);
        transport.SendReply(this);
    }

    private void Report(RpcCallStatus status)
    {
        var duration = Stopwatch.GetElapsedTime(_receivedAt);
        _transport!.Server.Observer.CallCompleted(_header.Program, _header.Version, _header.Procedure, status, duration);
    }

    private void ReleaseRequest()
    {
        _context.MachineName = default; // a slice of the request
        if (_request.Length > 0)
            _transport!.ReturnRequest(_request);
        _request = [];
        _requestLength = 0;
    }

    /// <summary>Forgets the finished call so the instance can be reused; the reply buffer keeps its array.</summary>
    public void Reset()
    {
        _transport = null;
        _client = null;
        TransportState = null;
        _header = default;
        _duplicateKey = null;
        _context.Client = null;
        _context.LocalEndPoint = null;
        _context.CancellationToken = default;
        _reply.Clear();
        _data.Drop();
    }

    /// <summary>
    /// Gives back the buffers larger than <see cref="KeptBufferSize"/> (a large READ's data, a long READDIR reply),
    /// keeping the call cheap to hold; only after <see cref="Reset"/>.
    /// </summary>
    public void ReleaseLargeBuffers()
    {
        _data.ReleaseBuffer(KeptBufferSize);
        _reply.Shrink(KeptBufferSize);
    }

    public void Dispose()
    {
        _data.Dispose();
        _reply.Dispose();
    }
}
