using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Xdr;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// One TCP connection and the NFSv4.1 session made on it (RFC 8881 §2.10), with the session's slot table: every
/// COMPOUND starts with SEQUENCE on a free slot and that slot's next sequence id (§2.10.6.1), so as many COMPOUNDs
/// run at once as the server granted slots; more calls wait for a slot. Each slot keeps its own operation array
/// and SEQUENCE / PUTFH arms, reused call after call, so a COMPOUND allocates little beyond its own operation's arm.
/// </summary>
internal sealed class Nfs4Session : IAsyncDisposable
{
    /// <summary>SEQUENCE, PUTFH and up to three operations.</summary>
    private const int MaxOperations = 5;

    private readonly RpcClient _transport;
    private readonly Sessionid4 _id;
    private readonly Slot[] _slots;
    private readonly Stack<Slot> _free;
    private readonly SemaphoreSlim _available;

    private Nfs4Session(RpcClient transport, Sessionid4 id, int slots)
    {
        _transport = transport;
        _id = id;
        _slots = [.. Enumerable.Range(0, slots).Select(slot => new Slot((uint)slot))];
        _free = new Stack<Slot>(_slots.Reverse());
        _available = new SemaphoreSlim(slots, slots);
    }

    /// <summary>Slots this client asks for: DittoFs's maximum; the server may grant fewer.</summary>
    public const uint SlotsAsked = 64;

    /// <summary>Bytes of one request or reply: a 1 MiB WRITE or READ with room for the rest of the COMPOUND.</summary>
    public const uint MessageSize = (1 << 20) + 64 * 1024;

    /// <summary>EXCHANGE_ID on <paramref name="transport"/> (RFC 8881 §18.35): a new client id for <paramref name="owner"/>; the id and CREATE_SESSION's first sequence id.</summary>
    public static async Task<(Clientid4 ClientId, Sequenceid4 Sequence)> ExchangeIdAsync(RpcClient transport, byte[] owner, CancellationToken cancellationToken)
    {
        var verifier = new byte[8];
        Random.Shared.NextBytes(verifier);
        var reply = await SendAsync(transport, [NfsArgop4.FromOpexchangeId(new ExchangeId4Args
        {
            EiaClientowner = new ClientOwner4 { CoVerifier = (InlineOpaque<InlineBytes8>)verifier, CoOwnerid = owner },
            EiaFlags = 0,
            EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
            EiaClientImplId = Array.Empty<NfsImplId4>(),
        })], "/", cancellationToken).ConfigureAwait(false);
        var resok = First(reply).OpexchangeId.EirResok4;
        return (resok.EirClientid, resok.EirSequenceid);
    }

    /// <summary>CREATE_SESSION on <paramref name="transport"/> (RFC 8881 §18.36), which binds the connection to the new session.</summary>
    public static async Task<Nfs4Session> CreateAsync(RpcClient transport, Clientid4 clientId, Sequenceid4 sequence, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(transport, [NfsArgop4.FromOpcreateSession(new CreateSession4Args
        {
            CsaClientid = clientId,
            CsaSequence = sequence,
            CsaFlags = 0, // no back channel: the bench asks for no delegations and needs no callbacks
            CsaForeChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = MessageSize, CaMaxresponsesize = MessageSize, CaMaxresponsesizeCached = 4096, CaMaxoperations = 16, CaMaxrequests = SlotsAsked, CaRdmaIrd = Array.Empty<uint>() },
            CsaBackChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = 4096, CaMaxresponsesize = 4096, CaMaxresponsesizeCached = 0, CaMaxoperations = 2, CaMaxrequests = 1, CaRdmaIrd = Array.Empty<uint>() },
            CsaCbProgram = Nfs4CallbackV1Program.Program,
            CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
        })], "/", cancellationToken).ConfigureAwait(false);
        var resok = First(reply).OpcreateSession.CsrResok4;
        uint granted = resok.CsrForeChanAttrs.CaMaxrequests;
        if (granted == 0)
            throw new ProtocolViolationException("CREATE_SESSION granted no slots");
        if (resok.CsrForeChanAttrs.CaMaxrequestsize < MessageSize || resok.CsrForeChanAttrs.CaMaxresponsesize < MessageSize)
            throw new ProtocolViolationException($"CREATE_SESSION allows requests of {resok.CsrForeChanAttrs.CaMaxrequestsize} and replies of {resok.CsrForeChanAttrs.CaMaxresponsesize} bytes; the bench's 1 MiB READs and WRITEs need {MessageSize}");
        return new Nfs4Session(transport, resok.CsrSessionid, (int)Math.Min(granted, SlotsAsked));
    }

    /// <summary>SEQUENCE, PUTFH of <paramref name="handle"/>, then the operations; the reply, whose status is NFS4_OK (else <see cref="Nfs4Exception"/>).</summary>
    /// <remarks>
    /// The bench's hot path: one async method between the caller and the RPC call, on the slot's own operation array
    /// and SEQUENCE / PUTFH arms, so a call allocates only its state machine and the caller's arm. Every extra async
    /// level is client CPU taken from the server being measured.
    /// </remarks>
    public async ValueTask<Compound4Res> CompoundAsync(ReadOnlyMemory<byte> handle, NfsArgop4 operation, NfsArgop4? then, NfsArgop4? last, string path, CancellationToken cancellationToken)
    {
        var slot = await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            slot.PutFh.Value = new Putfh4Args { Object = new NfsFh4(handle) };
            int count = 0;
            slot.Operations[count++] = Sequence(slot);
            slot.Operations[count++] = NfsArgop4.FromOpputfh(slot.PutFh);
            slot.Operations[count++] = operation;
            if (then is NfsArgop4 second)
                slot.Operations[count++] = second;
            if (last is NfsArgop4 third)
                slot.Operations[count++] = third;
            var reply = await Call(_transport, new XdrList<NfsArgop4, NfsArgop4>(slot.Operations, count), cancellationToken).ConfigureAwait(false);
            return Completed(slot, Decode(reply), path);
        }
        finally
        {
            ReturnSlot(slot);
        }
    }

    /// <summary>SEQUENCE, then the operations as given (for the few COMPOUNDs that start elsewhere than at a file handle).</summary>
    public async ValueTask<Compound4Res> CompoundAsync(NfsArgop4[] operations, string path, CancellationToken cancellationToken)
    {
        var slot = await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reply = await Call(_transport, (NfsArgop4[])[Sequence(slot), .. operations], cancellationToken).ConfigureAwait(false);
            return Completed(slot, Decode(reply), path);
        }
        finally
        {
            ReturnSlot(slot);
        }
    }

    /// <summary>The slot's SEQUENCE (RFC 8881 §18.46), in the slot's reused arm.</summary>
    private NfsArgop4 Sequence(Slot slot)
    {
        slot.Sequence.Value = new Sequence4Args
        {
            SaSessionid = _id,
            SaSequenceid = slot.LastSequence + 1,
            SaSlotid = slot.Id,
            SaHighestSlotid = (uint)_slots.Length - 1,
            SaCachethis = false,
        };
        return NfsArgop4.FromOpsequence(slot.Sequence);
    }

    /// <summary>
    /// NFSPROC4_COMPOUND with the generated codecs, called on the transport rather than through the generated
    /// <see cref="Nfs4V4Client"/>: the stub's own async method (a state machine, a continuation per call) measured
    /// about 1 µs of client CPU per call here, which the server comparison would count against NFSv4.1.
    /// </summary>
    private static ValueTask<ReadOnlyMemory<byte>> Call(RpcClient transport, XdrList<NfsArgop4, NfsArgop4> operations, CancellationToken cancellationToken) =>
        transport.CallAsync<Compound4Args, Compound4Args>(Nfs4V4Program.Program, Nfs4V4Program.Version, (uint)Nfs4V4Procedure.Compound,
            new Compound4Args { Tag = Array.Empty<byte>(), Minorversion = 1, Argarray = operations }, cancellationToken);

    private static Compound4Res Decode(ReadOnlyMemory<byte> reply) => XdrCodec.Decode<Compound4Res, Compound4Res>(reply);

    /// <summary>Moves the slot's sequence id if SEQUENCE succeeded (RFC 8881 §2.10.6.1), then checks the reply.</summary>
    private static Compound4Res Completed(Slot slot, in Compound4Res reply, string path)
    {
        foreach (var result in reply.Resarray)
        {
            if (result.Resop == NfsOpnum4.OpSequence && result.Opsequence is { SrStatus: Nfsstat4.Nfs4Ok } sequence)
                slot.LastSequence = sequence.SrResok4.SrSequenceid;
            break;
        }
        return Check(reply, path);
    }

    /// <summary>A COMPOUND without SEQUENCE (EXCHANGE_ID, CREATE_SESSION: RFC 8881 §2.10.6.1.3 lets them stand alone).</summary>
    private static async Task<Compound4Res> SendAsync(RpcClient transport, NfsArgop4[] operations, string path, CancellationToken cancellationToken)
    {
        var reply = await Call(transport, operations, cancellationToken).ConfigureAwait(false);
        return Check(Decode(reply), path);
    }

    /// <summary>The reply if it is NFS4_OK; else the failing operation (the last result) as an <see cref="Nfs4Exception"/>.</summary>
    private static Compound4Res Check(in Compound4Res reply, string path)
    {
        if (reply.Status == Nfsstat4.Nfs4Ok)
            return reply;
        var failed = NfsOpnum4.OpIllegal;
        foreach (var result in reply.Resarray)
            failed = result.Resop;
        throw new Nfs4Exception(reply.Status, failed, path);
    }

    /// <summary>The first operation's result of a COMPOUND that succeeded.</summary>
    private static NfsResop4 First(in Compound4Res reply)
    {
        foreach (var result in reply.Resarray)
            return result;
        throw new ProtocolViolationException("a COMPOUND reply with NFS4_OK and no results");
    }

    /// <summary>The result of <paramref name="operation"/> in a COMPOUND that succeeded (the last one, if it ran more than once).</summary>
    public static NfsResop4 Result(in Compound4Res reply, NfsOpnum4 operation)
    {
        NfsResop4? found = null;
        foreach (var result in reply.Resarray)
        {
            if (result.Resop == operation)
                found = result;
        }
        return found ?? throw new ProtocolViolationException($"the COMPOUND reply has no {Nfs4Exception.Name(operation)} result");
    }

    private async ValueTask<Slot> TakeSlotAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_free)
            return _free.Pop();
    }

    private void ReturnSlot(Slot slot)
    {
        lock (_free)
            _free.Push(slot);
        _available.Release();
    }

    /// <summary>DESTROY_SESSION (RFC 8881 §18.37), alone in its COMPOUND as §2.10.6.1.3 allows; best effort.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        await SendAsync(_transport, [NfsArgop4.FromOpdestroySession(new DestroySession4Args { DsaSessionid = _id })], "/", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DESTROY_CLIENTID (RFC 8881 §18.50) once the client's sessions are gone, so the server drops its record now rather than at lease expiry.</summary>
    public static async Task DestroyClientAsync(RpcClient transport, Clientid4 clientId, CancellationToken cancellationToken)
    {
        await SendAsync(transport, [NfsArgop4.FromOpdestroyClientid(new DestroyClientid4Args { DcaClientid = clientId })], "/", cancellationToken).ConfigureAwait(false);
    }

    public RpcClient Transport => _transport;

    public ValueTask DisposeAsync()
    {
        _available.Dispose();
        return _transport.DisposeAsync();
    }

    private sealed class Slot(uint id)
    {
        public readonly uint Id = id;
        public uint LastSequence;
        public readonly NfsArgop4[] Operations = new NfsArgop4[MaxOperations];
        public readonly XdrArm<Sequence4Args> Sequence = new();
        public readonly XdrArm<Putfh4Args> PutFh = new();
    }
}
