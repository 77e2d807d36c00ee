using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using Flags = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// NFSv4 clients and sessions: SETCLIENTID and its confirmation, leases (RFC 7530 §9, §16.28, §16.33-16.34),
/// EXCHANGE_ID, CREATE_SESSION, SEQUENCE with its slots and reply cache, and the rules of a 4.1 COMPOUND
/// (RFC 8881 §2.4, §2.10, §18.35-18.37, §18.46, §18.50-18.51). The lease clock is the test's.
/// </summary>
public sealed class Nfs4SessionTests
{
    private readonly ManualClock _clock = new();
    private Nfs4TestClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        var server = await TestServer.StartAsync();
        _client = new Nfs4TestClient(new Nfs4Service(server.Shares, server.Options, NullLogger<Nfs4Service>.Instance, _clock), () => Callers.Root(), reclaimComplete: false);
    }

    private Task<Compound4Res> Send40(params NfsArgop4[] operations) => _client.SendAsync(0, operations);

    private Task<Compound4Res> Send41(params NfsArgop4[] operations) => _client.SendAsync(1, operations);

    private static NfsResop4 Only(in Compound4Res result) => result.Resarray.ToArray()[^1];

    private async Task<(ulong Id, Verifier4 Confirm)> SetClientIdAsync(string owner, ulong verifier)
    {
        var result = await Send40(NfsArgop4.FromOpsetclientid(new Setclientid4Args
        {
            Client = new NfsClientId4 { Verifier = Nfs4TestClient.Verifier(verifier), Id = System.Text.Encoding.UTF8.GetBytes(owner) },
            Callback = new CbClient4 { CbProgram = 0x40000000, CbLocation = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = "127.0.0.1.3.4"u8.ToArray() } },
            CallbackIdent = 1,
        }));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var resok = Only(result).Opsetclientid.Resok4;
        return (resok.Clientid, resok.SetclientidConfirm);
    }

    private Task<Compound4Res> ConfirmAsync(ulong id, Verifier4 confirm) =>
        Send40(NfsArgop4.FromOpsetclientidConfirm(new SetclientidConfirm4Args { Clientid = id, SetclientidConfirm = confirm }));

    private Task<Compound4Res> RenewAsync(ulong id) => Send40(NfsArgop4.FromOprenew(new Renew4Args { Clientid = id }));

    [Test]
    public async Task A_4_0_client_id_is_renewable_once_confirmed()
    {
        // RFC 7530 §16.33.5, §16.34.5: an unconfirmed id holds no lease; a wrong confirm verifier is CLID_INUSE.
        var (id, confirm) = await SetClientIdAsync("client-a", 1);
        Assert.That((await RenewAsync(id)).Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid));
        Assert.That((await ConfirmAsync(id, Nfs4TestClient.Verifier(99))).Status, Is.EqualTo(Nfsstat4.Nfs4errClidInuse));
        Assert.That((await ConfirmAsync(id, confirm)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await ConfirmAsync(id, confirm)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "a retransmitted confirmation");
        Assert.That((await RenewAsync(id)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await RenewAsync(id + 1000)).Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid));
    }

    [Test]
    public async Task A_4_0_client_that_restarted_gets_a_new_id_and_its_old_one_goes_when_the_new_is_confirmed()
    {
        // RFC 7530 §16.33.5: the same id string with another verifier is a rebooted client.
        var (old, oldConfirm) = await SetClientIdAsync("client-a", 1);
        await ConfirmAsync(old, oldConfirm);
        var (renewed, confirm) = await SetClientIdAsync("client-a", 2);
        Assert.That(renewed, Is.Not.EqualTo(old));
        Assert.That((await RenewAsync(old)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "still the confirmed record until the new one is confirmed");
        await ConfirmAsync(renewed, confirm);
        Assert.That((await RenewAsync(old)).Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid));
        Assert.That((await RenewAsync(renewed)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_4_0_SETCLIENTID_with_the_same_verifier_keeps_the_id()
    {
        // RFC 7530 §16.33.5: the same client string and verifier is a callback update of the same client.
        var (id, confirm) = await SetClientIdAsync("client-a", 1);
        await ConfirmAsync(id, confirm);
        var (again, newConfirm) = await SetClientIdAsync("client-a", 1);
        Assert.That(again, Is.EqualTo(id));
        Assert.That((await ConfirmAsync(id, newConfirm)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_lease_not_renewed_in_time_ends_the_client()
    {
        // RFC 7530 §9.6: the server may drop a client whose lease expired; its id is then unknown.
        var (id, confirm) = await SetClientIdAsync("client-a", 1);
        await ConfirmAsync(id, confirm);
        _clock.Advance(TimeSpan.FromSeconds(80));
        Assert.That((await RenewAsync(id)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "renewed within the 90 s lease");
        _clock.Advance(TimeSpan.FromSeconds(91));
        Assert.That((await RenewAsync(id)).Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid));
    }

    [Test]
    public async Task EXCHANGE_ID_is_confirmed_by_CREATE_SESSION_and_then_answers_the_same_id_confirmed()
    {
        // RFC 8881 §18.35.5 cases 1 and 2, §18.36.4.
        var first = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("client-b", 7)))).OpexchangeId.EirResok4;
        Assert.That(first.EirFlags & Flags.Exchgid4FlagConfirmedR, Is.Zero);
        Assert.That(first.EirFlags & Flags.Exchgid4FlagUseNonPnfs, Is.Not.Zero);
        var create = await Send41(NfsArgop4.FromOpcreateSession(Nfs4TestClient.CreateSession(first.EirClientid, first.EirSequenceid)));
        Assert.That(create.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var second = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("client-b", 7)))).OpexchangeId.EirResok4;
        Assert.Multiple(() =>
        {
            Assert.That(second.EirClientid, Is.EqualTo(first.EirClientid));
            Assert.That(second.EirFlags & Flags.Exchgid4FlagConfirmedR, Is.Not.Zero);
            Assert.That((uint)second.EirSequenceid, Is.EqualTo((uint)first.EirSequenceid + 1), "the next CREATE_SESSION's sequence");
        });
    }

    [Test]
    public async Task CREATE_SESSION_replayed_answers_the_same_session_and_out_of_order_is_misordered()
    {
        // RFC 8881 §18.36.4: the client's create-session sequence id.
        var exchange = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("client-c", 1)))).OpexchangeId.EirResok4;
        var arguments = Nfs4TestClient.CreateSession(exchange.EirClientid, exchange.EirSequenceid);
        var first = Only(await Send41(NfsArgop4.FromOpcreateSession(arguments))).OpcreateSession.CsrResok4;
        var replay = Only(await Send41(NfsArgop4.FromOpcreateSession(arguments))).OpcreateSession.CsrResok4;
        Assert.That(replay.CsrSessionid.Value.ToArray(), Is.EqualTo(first.CsrSessionid.Value.ToArray()));
        var skipped = await Send41(NfsArgop4.FromOpcreateSession(arguments with { CsaSequence = exchange.EirSequenceid + 5 }));
        Assert.That(skipped.Status, Is.EqualTo(Nfsstat4.Nfs4errSeqMisordered));
        var unknown = await Send41(NfsArgop4.FromOpcreateSession(arguments with { CsaClientid = exchange.EirClientid + 77 }));
        Assert.That(unknown.Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid));
    }

    [Test]
    public async Task The_fore_channel_is_cut_to_what_the_server_serves()
    {
        var exchange = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("client-d", 1)))).OpexchangeId.EirResok4;
        var asked = Nfs4TestClient.CreateSession(exchange.EirClientid, exchange.EirSequenceid, slots: 1000) with { CsaFlags = Flags.CreateSession4FlagPersist | Flags.CreateSession4FlagConnBackChan };
        var resok = Only(await Send41(NfsArgop4.FromOpcreateSession(asked))).OpcreateSession.CsrResok4;
        Assert.Multiple(() =>
        {
            Assert.That((uint)resok.CsrForeChanAttrs.CaMaxrequests, Is.EqualTo(64u));
            Assert.That(resok.CsrFlags, Is.Zero, "no persistent cache, no back channel");
        });
    }

    [Test]
    public async Task A_retransmitted_SEQUENCE_gets_the_cached_reply_byte_for_byte()
    {
        // RFC 8881 §2.10.6.1: the reply cache; §18.46.3: sa_cachethis.
        var session = await _client.SessionAsync();
        NfsArgop4[] request = [NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1, cacheThis: true)), new(NfsOpnum4.OpPutrootfh), new(NfsOpnum4.OpGetfh)];
        var first = await Send41(request);
        var again = await Send41(request);
        Assert.That(first.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(XdrCodec.Encode(again), Is.EqualTo(XdrCodec.Encode(first)));
    }

    [Test]
    public async Task A_false_retry_of_a_cached_request_is_SEQ_FALSE_RETRY_not_the_other_request_s_reply()
    {
        // RFC 8881 §2.10.6.1.3.1: the same slot and sequence id with another request. (Found by the nfs4-dispatch fuzzer:
        // the kept reply of a longer COMPOUND answered a shorter one, more results than operations.)
        var session = await _client.SessionAsync();
        var sequence = NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1, cacheThis: true));
        Assert.That((await Send41(sequence, new(NfsOpnum4.OpPutrootfh), new(NfsOpnum4.OpGetfh))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        var other = await Send41(sequence, new(NfsOpnum4.OpPutrootfh));
        Assert.That(other.Status, Is.EqualTo(Nfsstat4.Nfs4errSeqFalseRetry));
        Assert.That(other.Resarray.Count, Is.EqualTo(1), "SEQUENCE's own result only");
        Assert.That((await Send41(sequence, new(NfsOpnum4.OpPutrootfh), new(NfsOpnum4.OpGetfh))).Resarray.Count, Is.EqualTo(3), "the true retry still gets its reply");
    }

    [Test]
    public async Task A_retransmission_not_cached_is_RETRY_UNCACHED_REP_and_a_skipped_sequence_is_misordered()
    {
        var session = await _client.SessionAsync();
        NfsArgop4[] request = [NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1)), new(NfsOpnum4.OpPutrootfh)];
        Assert.That((await Send41(request)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await Send41(request)).Status, Is.EqualTo(Nfsstat4.Nfs4errRetryUncachedRep));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 5)))).Status, Is.EqualTo(Nfsstat4.Nfs4errSeqMisordered));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_slot_past_the_table_is_BADSLOT_and_an_unknown_session_BADSESSION()
    {
        var session = await _client.SessionAsync();
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1, slot: 8)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadslot));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(new byte[16], 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession));
    }

    [Test]
    public async Task A_4_1_COMPOUND_starts_with_SEQUENCE_or_is_a_lone_session_operation()
    {
        // RFC 8881 §2.10.6.4 and §15.1.
        var session = await _client.SessionAsync();
        Assert.That((await Send41(new NfsArgop4(NfsOpnum4.OpPutrootfh))).Status, Is.EqualTo(Nfsstat4.Nfs4errOpNotInSession));
        Assert.That((await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("x", 1)), new NfsArgop4(NfsOpnum4.OpPutrootfh))).Status,
            Is.EqualTo(Nfsstat4.Nfs4errNotOnlyOp));
        var twice = await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1)), NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 2, slot: 1)));
        Assert.That(twice.Status, Is.EqualTo(Nfsstat4.Nfs4errSequencePos));
        var renew = await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 2)), NfsArgop4.FromOprenew(new Renew4Args { Clientid = 1 }));
        Assert.That(renew.Status, Is.EqualTo(Nfsstat4.Nfs4errNotsupp), "4.0's RENEW is not part of 4.1");
    }

    [Test]
    public async Task DESTROY_SESSION_ends_the_session_and_DESTROY_CLIENTID_waits_for_its_sessions()
    {
        var session = await _client.SessionAsync();
        var exchange = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("test-client", 1)))).OpexchangeId.EirResok4;
        var busy = await Send41(NfsArgop4.FromOpdestroyClientid(new DestroyClientid4Args { DcaClientid = exchange.EirClientid }));
        Assert.That(busy.Status, Is.EqualTo(Nfsstat4.Nfs4errClientidBusy));
        Assert.That((await Send41(NfsArgop4.FromOpdestroySession(new DestroySession4Args { DsaSessionid = (InlineOpaque<InlineBytes16>)session }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession));
        Assert.That((await Send41(NfsArgop4.FromOpdestroyClientid(new DestroyClientid4Args { DcaClientid = exchange.EirClientid }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task RECLAIM_COMPLETE_for_the_whole_client_is_taken_once()
    {
        // RFC 8881 §18.51.3: a second is NFS4ERR_COMPLETE_ALREADY.
        Assert.That((await _client.CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args()))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await _client.CompoundAsync(NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args()))).Status, Is.EqualTo(Nfsstat4.Nfs4errCompleteAlready));
    }

    [Test]
    public async Task A_4_1_client_that_restarted_replaces_its_old_record_and_sessions_at_CREATE_SESSION()
    {
        // RFC 8881 §18.35.5 case 5: a new verifier is a new incarnation; the old goes when the new is confirmed.
        var oldSession = await _client.SessionAsync();
        var exchange = Only(await Send41(NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("test-client", 2)))).OpexchangeId.EirResok4;
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(oldSession, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        await Send41(NfsArgop4.FromOpcreateSession(Nfs4TestClient.CreateSession(exchange.EirClientid, exchange.EirSequenceid)));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(oldSession, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession));
    }

    [Test]
    public async Task A_session_keeps_its_client_alive_and_an_idle_one_expires_with_it()
    {
        var session = await _client.SessionAsync();
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "SEQUENCE renewed the lease");
        _clock.Advance(TimeSpan.FromSeconds(91));
        Assert.That((await Send41(NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(session, 3)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession));
    }
}
