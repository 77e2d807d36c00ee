using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.EndToEnd;

/// <summary>
/// A 4.1 client of the real server over one connection, through the generated client: EXCHANGE_ID and CREATE_SESSION,
/// then COMPOUNDs behind SEQUENCE on slot 0 (RFC 8881 §2.10.6).
/// </summary>
internal sealed class Nfs4SessionClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private readonly RpcClient _rpc;
    private uint _sequence;

    private Nfs4SessionClient(RpcClient rpc, byte[] session) => (_rpc, Session) = (rpc, session);

    public byte[] Session { get; }

    /// <param name="maxCachedReply">The ca_maxresponsesize_cached asked for (the server may give less).</param>
    public static async Task<Nfs4SessionClient> ConnectAsync(int port, string owner, uint maxCachedReply = 4096)
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
        var channel = new ChannelAttrs4
        {
            CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = maxCachedReply, CaMaxoperations = 16, CaMaxrequests = 4,
            CaRdmaIrd = Array.Empty<uint>(),
        };
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
        return new Nfs4SessionClient(rpc, created.Resarray.ToArray()[0].OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray());
    }

    /// <summary>RFC 8881 §18.51.3: what a client sends once it has reclaimed what it will.</summary>
    public async Task ReclaimCompleteAsync() =>
        Assert.That((await CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "RECLAIM_COMPLETE");

    /// <summary>The operations behind the next SEQUENCE (checked); the reply as it came.</summary>
    public Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations) => SequencedAsync(++_sequence, cacheThis: false, operations);

    /// <summary>The operations behind the next SEQUENCE, asking the server to cache the reply (sa_cachethis).</summary>
    public Task<Compound4Res> CachedAsync(params NfsArgop4[] operations) => SequencedAsync(++_sequence, cacheThis: true, operations);

    /// <summary>The last request again, as a client retransmits it: the same SEQUENCE (RFC 8881 §2.10.6.1.3).</summary>
    public Task<Compound4Res> RetransmitAsync(params NfsArgop4[] operations) => SequencedAsync(_sequence, cacheThis: true, operations);

    public Task<Compound4Res> SendAsync(params NfsArgop4[] operations) => Call(new Nfs4V4Client(_rpc), operations);

    public static Sequence4Args Sequence(byte[] session, uint sequence, bool cacheThis = false) => new()
    {
        SaSessionid = (InlineOpaque<InlineBytes16>)session,
        SaSequenceid = sequence,
        SaSlotid = 0,
        SaHighestSlotid = 0,
        SaCachethis = cacheThis,
    };

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();

    private async Task<Compound4Res> SequencedAsync(uint sequence, bool cacheThis, NfsArgop4[] operations)
    {
        var result = await SendAsync([NfsArgop4.FromOpsequence(Sequence(Session, sequence, cacheThis)), .. operations]);
        Assert.That(result.Resarray.ToArray()[0].Opsequence.SrStatus, Is.EqualTo(Nfsstat4.Nfs4Ok), "SEQUENCE");
        return result;
    }

    private static async Task<Compound4Res> Call(Nfs4V4Client v4, params NfsArgop4[] operations) =>
        await v4.CompoundAsync(new Compound4Args { Tag = "e2e"u8.ToArray(), Minorversion = 1, Argarray = operations }).AsTask().WaitAsync(Timeout);
}
