using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.EndToEnd;

/// <summary>
/// An NFSv4.1 client over one connection, through the generated client: EXCHANGE_ID and CREATE_SESSION, then
/// COMPOUNDs behind SEQUENCE on slot 0; and the operations the end-to-end tests send (one open-owner, one lock-owner,
/// a write lock of bytes 0-99).
/// </summary>
internal sealed class Nfs4Session : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;

    public static NfsArgop4 PutFh(byte[] handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle });

    public static NfsArgop4 Open(OpenClaimType4 claim) => NfsArgop4.FromOpopen(new Open4Args
    {
        ShareAccess = Attr.Open4ShareAccessBoth,
        ShareDeny = Attr.Open4ShareDenyNone,
        Owner = new StateOwner4 { Owner = "open-owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = claim == OpenClaimType4.ClaimPrevious
            ? new OpenClaim4 { Claim = claim, DelegateType = OpenDelegationType4.OpenDelegateNone }
            : new OpenClaim4 { Claim = OpenClaimType4.ClaimFh },
    });

    public static NfsArgop4 Lock(Stateid4 open, bool reclaim) => NfsArgop4.FromOplock(new Lock4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Reclaim = reclaim,
        Offset = 0,
        Length = 100,
        Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenStateid = open, LockOwner = new StateOwner4 { Owner = "lock-owner"u8.ToArray() } } },
    });

    public static Stateid4 OpenStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpOpen).Opopen.Resok4.Stateid;

    public static Sequence4Args Sequence(byte[] session, uint sequence) => new()
    {
        SaSessionid = (InlineOpaque<InlineBytes16>)session,
        SaSequenceid = sequence,
        SaSlotid = 0,
        SaHighestSlotid = 0,
        SaCachethis = false,
    };

    /// <summary>LOCKU of the range <see cref="Lock"/> takes, with the lock stateid LOCK answered.</summary>
    public static NfsArgop4 Unlock(Stateid4 lockStateid) => NfsArgop4.FromOplocku(new Locku4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Seqid = 0,
        LockStateid = lockStateid,
        Offset = 0,
        Length = 100,
    });

    public static Stateid4 LockStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpLock).Oplock.Resok4.LockStateid;


    private readonly RpcClient _rpc;
    private uint _sequence;

    private Nfs4Session(RpcClient rpc, byte[] session) => (_rpc, Session) = (rpc, session);

    public byte[] Session { get; }

    public static async Task<Nfs4Session> ConnectAsync(int port, string owner)
    {
        var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, NlmCalls.Options);
        var v4 = new Nfs4V4Client(rpc);
        var exchange = await Call(v4, NfsArgop4.FromOpexchangeId(new ExchangeId4Args
        {
            EiaClientowner = new ClientOwner4 { CoVerifier = (InlineOpaque<InlineBytes8>)new byte[8], CoOwnerid = Encoding.UTF8.GetBytes(owner) },
            EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
            EiaClientImplId = Array.Empty<NfsImplId4>(),
        }));
        Assert.That(exchange.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "EXCHANGE_ID");
        var resok = exchange.Resarray.ToArray()[0].OpexchangeId.EirResok4;
        var channel = new ChannelAttrs4 { CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = 4096, CaMaxoperations = 16, CaMaxrequests = 4, CaRdmaIrd = Array.Empty<uint>() };
        var created = await Call(v4, NfsArgop4.FromOpcreateSession(new CreateSession4Args
        {
            CsaClientid = resok.EirClientid,
            CsaSequence = resok.EirSequenceid,
            CsaForeChanAttrs = channel,
            CsaBackChanAttrs = channel,
            CsaCbProgram = 0x40000000,
            CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
        }));
        Assert.That(created.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "CREATE_SESSION");
        return new Nfs4Session(rpc, created.Resarray.ToArray()[0].OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray());
    }

    /// <summary>RFC 8881 §18.51.3: what a client sends once it has reclaimed what it will.</summary>
    public async Task ReclaimCompleteAsync() =>
        Assert.That((await CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "RECLAIM_COMPLETE");

    /// <summary>The operations behind a SEQUENCE (checked); the reply as it came.</summary>
    public async Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations)
    {
        var result = await SendAsync([NfsArgop4.FromOpsequence(Sequence(Session, ++_sequence)), .. operations]);
        Assert.That(result.Resarray.ToArray()[0].Opsequence.SrStatus, Is.EqualTo(Nfsstat4.Nfs4Ok), "SEQUENCE");
        return result;
    }

    public Task<Compound4Res> SendAsync(params NfsArgop4[] operations) => Call(new Nfs4V4Client(_rpc), operations);

    private static async Task<Compound4Res> Call(Nfs4V4Client v4, params NfsArgop4[] operations) =>
        await v4.CompoundAsync(new Compound4Args { Tag = "e2e"u8.ToArray(), Minorversion = 1, Argarray = operations }).AsTask().WaitAsync(Timeout);

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();
}
