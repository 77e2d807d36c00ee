using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// A 4.1 client of an <see cref="Nfs4Service"/> in the test's process: EXCHANGE_ID and CREATE_SESSION once, then every
/// COMPOUND behind a SEQUENCE on slot 0 (whose result is checked and taken off the reply). Requests and replies go
/// through the codec both ways, so what is checked is what the wire carries. Like Linux's client, it sends
/// RECLAIM_COMPLETE right after CREATE_SESSION (RFC 8881 §18.51.3: before it, new opens and locks are NFS4ERR_GRACE)
/// unless <paramref name="reclaimComplete"/> is false (a client that reclaims first).
/// </summary>
internal sealed class Nfs4TestClient(Nfs4Service service, Func<RpcCallContext> caller, string owner = "test-client", bool reclaimComplete = true)
{
    private byte[]? _session;
    private uint _sequence;

    public Nfs4Service Service => service;

    /// <summary>The session's id, made on first use.</summary>
    public async Task<byte[]> SessionAsync()
    {
        if (_session is not null)
            return _session;
        var exchange = await SendAsync(1, NfsArgop4.FromOpexchangeId(ExchangeId(owner, 1)));
        Assert.That(exchange.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "EXCHANGE_ID");
        var resok = exchange.Resarray.ToArray()[0].OpexchangeId.EirResok4;
        var create = await SendAsync(1, NfsArgop4.FromOpcreateSession(CreateSession(resok.EirClientid, resok.EirSequenceid)));
        Assert.That(create.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "CREATE_SESSION");
        _session = create.Resarray.ToArray()[0].OpcreateSession.CsrResok4.CsrSessionid.Value.ToArray();
        if (reclaimComplete)
        {
            var complete = await CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false }));
            // COMPLETE_ALREADY: another session of the same client record said it already.
            Assert.That(complete.Status, Is.AnyOf(Nfsstat4.Nfs4Ok, Nfsstat4.Nfs4errCompleteAlready), "RECLAIM_COMPLETE");
        }
        return _session;
    }

    /// <summary>A 4.0 client id for this client's owner: SETCLIENTID and SETCLIENTID_CONFIRM (RFC 7530 §16.33-16.34).</summary>
    public async Task<ulong> ClientId40Async(ulong verifier = 1)
    {
        var set = await SendAsync(0, NfsArgop4.FromOpsetclientid(new Setclientid4Args
        {
            Client = new NfsClientId4 { Verifier = Verifier(verifier), Id = System.Text.Encoding.UTF8.GetBytes(owner) },
            Callback = new CbClient4 { CbProgram = 0x40000000, CbLocation = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = "127.0.0.1.3.4"u8.ToArray() } },
        }));
        Assert.That(set.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "SETCLIENTID");
        var resok = set.Resarray.ToArray()[0].Opsetclientid.Resok4;
        var confirm = await SendAsync(0, NfsArgop4.FromOpsetclientidConfirm(new SetclientidConfirm4Args { Clientid = resok.Clientid, SetclientidConfirm = resok.SetclientidConfirm }));
        Assert.That(confirm.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "SETCLIENTID_CONFIRM");
        return resok.Clientid;
    }

    /// <summary>A 4.1 COMPOUND of <paramref name="operations"/> behind a SEQUENCE; the reply without SEQUENCE's result.</summary>
    public async Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations)
    {
        var sequence = NfsArgop4.FromOpsequence(Sequence(await SessionAsync(), ++_sequence));
        var result = await SendAsync(1, [sequence, .. operations]);
        var results = result.Resarray.ToArray();
        Assert.That(results[0].Opsequence.SrStatus, Is.EqualTo(Nfsstat4.Nfs4Ok), "SEQUENCE");
        return result with { Resarray = results[1..] };
    }

    /// <summary>A COMPOUND as given (no SEQUENCE added).</summary>
    public async Task<Compound4Res> SendAsync(uint minorVersion, params NfsArgop4[] operations)
    {
        var arguments = XdrCodec.Decode<Compound4Args>(XdrCodec.Encode(new Compound4Args { Tag = "tag"u8.ToArray(), Minorversion = minorVersion, Argarray = operations }));
        var result = await service.CompoundAsync(arguments, caller());
        return XdrCodec.Decode<Compound4Res>(XdrCodec.Encode(result));
    }

    public static ExchangeId4Args ExchangeId(string owner, ulong verifier, uint flags = 0) => new()
    {
        EiaClientowner = new ClientOwner4 { CoVerifier = Verifier(verifier), CoOwnerid = System.Text.Encoding.UTF8.GetBytes(owner) },
        EiaFlags = flags,
        EiaStateProtect = new StateProtect4A { SpaHow = StateProtectHow4.Sp4None },
        EiaClientImplId = Array.Empty<NfsImplId4>(),
    };

    public static CreateSession4Args CreateSession(ulong clientId, uint sequence, uint slots = 8) => new()
    {
        CsaClientid = clientId,
        CsaSequence = sequence,
        CsaFlags = 0,
        CsaForeChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = 1 << 20, CaMaxresponsesize = 1 << 20, CaMaxresponsesizeCached = 4096, CaMaxoperations = 64, CaMaxrequests = slots, CaRdmaIrd = Array.Empty<uint>() },
        CsaBackChanAttrs = new ChannelAttrs4 { CaMaxrequestsize = 4096, CaMaxresponsesize = 4096, CaMaxresponsesizeCached = 0, CaMaxoperations = 2, CaMaxrequests = 1, CaRdmaIrd = Array.Empty<uint>() },
        CsaCbProgram = 0x40000000,
        CsaSecParms = new[] { new CallbackSecParms4 { CbSecflavor = 0 } },
    };

    public static Sequence4Args Sequence(byte[] session, uint sequence, uint slot = 0, bool cacheThis = false) => new()
    {
        SaSessionid = (InlineOpaque<InlineBytes16>)session,
        SaSequenceid = sequence,
        SaSlotid = slot,
        SaHighestSlotid = slot,
        SaCachethis = cacheThis,
    };

    public static Verifier4 Verifier(ulong value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return (InlineOpaque<InlineBytes8>)bytes;
    }
}

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
