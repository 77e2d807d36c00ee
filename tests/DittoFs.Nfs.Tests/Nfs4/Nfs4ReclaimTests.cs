using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Vfs;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging.Abstractions;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// State across a server restart (RFC 7530 §9.6.2-9.6.3, RFC 8881 §8.4.2-8.4.3, §18.51): clients recorded in stable
/// storage reclaim their opens (CLAIM_PREVIOUS) and locks (reclaim) in the grace period, while new opens and locks wait
/// (NFS4ERR_GRACE); no one else reclaims (NFS4ERR_NO_GRACE). A "restart" here is a new service, lock table and grace
/// period over the same stores and the same record directory, as the server's next start would have.
/// </summary>
public sealed class Nfs4ReclaimTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(90);

    private ManualClock _clock = null!;
    private TestServer _server = null!;
    private string _directory = null!;
    private NfsFh3 _file;
    private List<Nfs4ClientRecords> _records = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _clock = new ManualClock();
        _records = [];
        _server = await TestServer.StartAsync();
        _file = await _server.CreateFileAsync(_server.Root, "f");
        _directory = Directory.CreateTempSubdirectory("nfs4-records-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var records in _records)
            records.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One start of the server: its records read from the directory, a grace period if anyone may reclaim.</summary>
    private async Task<Nfs4Service> StartAsync()
    {
        var grace = new LockGracePeriod(_clock);
        var records = Nfs4ClientRecords.Open(_directory, grace, clock: _clock);
        _records.Add(records);
        if (records.Reclaimable > 0)
            grace.Begin(Grace);
        var share = new Share(TestServer.ExportPath,
            await VirtualFileSystem.OpenAsync(TestServer.ExportPath, _server.Metadata, _server.Content, locks: new MemoryLockTable(grace: grace)), TestServer.OpenExport);
        return new Nfs4Service(new ShareTable(share), _server.Options, NullLogger<Nfs4Service>.Instance, _clock, records: records);
    }

    private NfsArgop4 PutFile => NfsArgop4.FromOpputfh(new Putfh4Args { Object = _file.Data.ToArray() });

    private static NfsArgop4[] InExport => [new(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() })];

    private static NfsArgop4 OpenByName(ulong clientId = 0, uint deny = Attr.Open4ShareDenyNone) => NfsArgop4.FromOpopen(new Open4Args
    {
        ShareAccess = Attr.Open4ShareAccessBoth,
        ShareDeny = deny,
        Owner = new StateOwner4 { Clientid = clientId, Owner = "open-owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = "f"u8.ToArray() },
    });

    /// <param name="seqid">4.0: the open-owner's seqid (RFC 7530 §9.1.7); 4.1 ignores it.</param>
    private static NfsArgop4 Reclaim(ulong clientId = 0, uint deny = Attr.Open4ShareDenyNone, OpenDelegationType4 delegation = OpenDelegationType4.OpenDelegateNone,
        uint seqid = 0) =>
        NfsArgop4.FromOpopen(new Open4Args
        {
            Seqid = seqid,
            ShareAccess = Attr.Open4ShareAccessBoth,
            ShareDeny = deny,
            Owner = new StateOwner4 { Clientid = clientId, Owner = "open-owner"u8.ToArray() },
            Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
            Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimPrevious, DelegateType = delegation },
        });

    /// <param name="openSeqid">4.0: the open-owner's next seqid (its OPEN took 0); 4.1 ignores it.</param>
    private static NfsArgop4 LockOp(Stateid4 open, bool reclaim, uint openSeqid = 1) => NfsArgop4.FromOplock(new Lock4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Reclaim = reclaim,
        Offset = 0,
        Length = 100,
        Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenSeqid = openSeqid, OpenStateid = open, LockOwner = new StateOwner4 { Owner = Encoding.UTF8.GetBytes("lock-owner") } } },
    });

    private static NfsArgop4 ReclaimComplete => NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args { RcaOneFs = false });

    /// <summary>The client opens the file: it holds state, so it is recorded (RFC 8881 §8.4.3) and may reclaim after a restart.</summary>
    private static async Task<Stateid4> OpenAsync(Nfs4TestClient client)
    {
        var opened = await client.CompoundAsync([.. InExport, OpenByName()]);
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "OPEN");
        return OpenStateid(opened);
    }

    private static Stateid4 OpenStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpOpen).Opopen.Resok4.Stateid;

    [Test]
    public async Task After_a_restart_a_recorded_4_1_client_reclaims_its_open_and_lock_while_new_ones_wait_for_the_grace_period()
    {
        // RFC 8881 §8.4.2.1: in the grace period the server grants reclaims and refuses new opens and locks (NFS4ERR_GRACE).
        var before = await StartAsync();
        var a = new Nfs4TestClient(before, () => Callers.Root(), "client-a");
        var opened = await a.CompoundAsync([.. InExport, OpenByName()]);
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await a.CompoundAsync(PutFile, LockOp(OpenStateid(opened), reclaim: false))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        var after = await StartAsync();
        var reclaimer = new Nfs4TestClient(after, () => Callers.Root(), "client-a", reclaimComplete: false);
        var stale = await reclaimer.SendAsync(1, NfsArgop4.FromOpsequence(Nfs4TestClient.Sequence(await a.SessionAsync(), 99)));
        Assert.That(stale.Status, Is.EqualTo(Nfsstat4.Nfs4errBadsession), "the old session is gone with the restart");

        var newcomer = new Nfs4TestClient(after, () => Callers.Root(), "client-b");
        Assert.That((await newcomer.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace));

        var reclaimed = await reclaimer.CompoundAsync(PutFile, Reclaim());
        Assert.That(reclaimed.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(reclaimed.Resarray.ToArray()[1].Opopen.Resok4.Delegation.DelegationType, Is.EqualTo(OpenDelegationType4.OpenDelegateNone));
        var locked = await reclaimer.CompoundAsync(PutFile, LockOp(OpenStateid(reclaimed), reclaim: true));
        Assert.That(locked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await reclaimer.CompoundAsync(PutFile, LockOp(OpenStateid(reclaimed), reclaim: false))).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace),
            "RFC 8881 §18.51.3: a new lock before RECLAIM_COMPLETE");

        Assert.That((await reclaimer.CompoundAsync(ReclaimComplete)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await reclaimer.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace), "RFC 8881 §18.51.3: no reclaim after RECLAIM_COMPLETE");

        // Past the grace period (90 s), both clients renewing their leases (90 s) on the way.
        _clock.Advance(TimeSpan.FromSeconds(60));
        await reclaimer.CompoundAsync();
        await newcomer.CompoundAsync();
        _clock.Advance(TimeSpan.FromSeconds(31));
        var late = await newcomer.CompoundAsync([.. InExport, OpenByName()]);
        Assert.That(late.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "after the grace period new opens are granted");
        var conflicting = await newcomer.CompoundAsync(PutFile, LockOp(OpenStateid(late), reclaim: false));
        Assert.That(conflicting.Status, Is.EqualTo(Nfsstat4.Nfs4errDenied), "the reclaimed lock is held");
    }

    [Test]
    public async Task A_client_the_earlier_start_did_not_record_may_not_reclaim()
    {
        // RFC 7530 §9.6.3.4: the server must not grant a reclaim it cannot prove the client held: NFS4ERR_NO_GRACE.
        var before = await StartAsync();
        var a = new Nfs4TestClient(before, () => Callers.Root(), "client-a");
        Assert.That((await a.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        var after = await StartAsync();
        var stranger = new Nfs4TestClient(after, () => Callers.Root(), "client-never-seen", reclaimComplete: false);
        var refused = await stranger.CompoundAsync(PutFile, Reclaim());
        Assert.That(refused.Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace));
    }

    [Test]
    public async Task Without_a_grace_period_every_reclaim_is_NO_GRACE_and_new_opens_are_granted()
    {
        // RFC 7530 §9.6.2: a reclaim outside the grace period is NFS4ERR_NO_GRACE. A first start has nobody to wait for.
        var service = await StartAsync();
        var client = new Nfs4TestClient(service, () => Callers.Root(), "client-a", reclaimComplete: false);
        Assert.That((await client.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace));
        Assert.That((await client.CompoundAsync(ReclaimComplete)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await client.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_4_1_client_takes_no_new_open_before_its_RECLAIM_COMPLETE()
    {
        // RFC 8881 §18.51.3: "If non-reclaim locking operations are done before the RECLAIM_COMPLETE, an NFS4ERR_GRACE
        // error will be returned", in or out of the grace period.
        var service = await StartAsync();
        var client = new Nfs4TestClient(service, () => Callers.Root(), "client-a", reclaimComplete: false);
        Assert.That((await client.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace));
        Assert.That((await client.CompoundAsync(ReclaimComplete)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await client.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_4_0_client_reclaims_its_open_and_lock_with_its_new_client_id()
    {
        // RFC 7530 §9.6.2: after STALE_CLIENTID the client establishes a new client id and reclaims with CLAIM_PREVIOUS.
        var before = await StartAsync();
        var old = new Nfs4TestClient(before, () => Callers.Root(), "client-40");
        ulong oldId = await old.ClientId40Async();
        var opened = await old.SendAsync(0, [.. InExport, OpenByName(oldId)]);
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await old.SendAsync(0, PutFile, LockOp(OpenStateid(opened), reclaim: false))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        var after = await StartAsync();
        var client = new Nfs4TestClient(after, () => Callers.Root(), "client-40");
        var renewed = await client.SendAsync(0, NfsArgop4.FromOprenew(new Renew4Args { Clientid = oldId }));
        Assert.That(renewed.Status, Is.EqualTo(Nfsstat4.Nfs4errStaleClientid), "RFC 7530 §9.6.2: the client learns of the restart");
        var staleStateid = await client.SendAsync(0, PutFile, NfsArgop4.FromOpread(new Read4Args { Stateid = OpenStateid(opened), Offset = 0, Count = 1 }));
        Assert.That(staleStateid.Status, Is.EqualTo(Nfsstat4.Nfs4errStaleStateid), "RFC 7530 §9.1.4.3: a stateid of the earlier start");

        ulong newId = await client.ClientId40Async(verifier: 2);
        Assert.That(newId, Is.Not.EqualTo(oldId));
        var other = new Nfs4TestClient(after, () => Callers.Root(), "other-40");
        ulong otherId = await other.ClientId40Async();
        Assert.That((await other.SendAsync(0, [.. InExport, OpenByName(otherId)])).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace));

        var reclaimed = await client.SendAsync(0, PutFile, Reclaim(newId));
        Assert.That(reclaimed.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await client.SendAsync(0, PutFile, LockOp(OpenStateid(reclaimed), reclaim: true))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await other.SendAsync(0, PutFile, Reclaim(otherId, seqid: 1))).Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace), "the other client held nothing before");
    }

    [Test]
    public async Task A_client_whose_lease_expired_or_that_was_destroyed_before_the_restart_may_not_reclaim()
    {
        // RFC 8881 §8.4.3: a client whose state the server released keeps no right to reclaim it.
        var before = await StartAsync();
        await OpenAsync(new Nfs4TestClient(before, () => Callers.Root(), "expired"));
        _clock.Advance(TimeSpan.FromSeconds(95));
        var destroyed = new Nfs4TestClient(before, () => Callers.Root(), "destroyed");
        var open = await OpenAsync(destroyed);
        Assert.That((await destroyed.CompoundAsync(PutFile, NfsArgop4.FromOpclose(new Close4Args { OpenStateid = open }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var session = await destroyed.SessionAsync();
        // The same owner and verifier again: EXCHANGE_ID answers the confirmed client's id (RFC 8881 §18.35.5, case 2).
        var again = await destroyed.SendAsync(1, NfsArgop4.FromOpexchangeId(Nfs4TestClient.ExchangeId("destroyed", 1)));
        ulong id = again.Resarray.ToArray()[0].OpexchangeId.EirResok4.EirClientid;
        Assert.That((await destroyed.SendAsync(1, NfsArgop4.FromOpdestroySession(new DestroySession4Args { DsaSessionid = (DittoFs.Xdr.InlineOpaque<DittoFs.Xdr.InlineBytes16>)session }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await destroyed.SendAsync(1, NfsArgop4.FromOpdestroyClientid(new DestroyClientid4Args { DcaClientid = id }))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        await OpenAsync(new Nfs4TestClient(before, () => Callers.Root(), "kept")); // a call after the expiry lets the expired one go

        var after = await StartAsync();
        Assert.That(_records[^1].Reclaimable, Is.EqualTo(1), "only the client that is still there");
        foreach (var owner in new[] { "expired", "destroyed" })
        {
            var client = new Nfs4TestClient(after, () => Callers.Root(), owner, reclaimComplete: false);
            Assert.That((await client.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace), owner);
        }
        var back = new Nfs4TestClient(after, () => Callers.Root(), "kept", reclaimComplete: false);
        Assert.That((await back.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_client_that_did_not_come_back_in_the_grace_period_may_not_reclaim_after_the_next_restart()
    {
        // RFC 7530 §9.6.3.4, edge condition 1: its lock may have been given to another client after the grace period.
        var first = await StartAsync();
        await OpenAsync(new Nfs4TestClient(first, () => Callers.Root(), "absent"));

        var second = await StartAsync();
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));
        var newcomer = new Nfs4TestClient(second, () => Callers.Root(), "newcomer");
        Assert.That((await newcomer.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "the grace period is over");

        var third = await StartAsync();
        Assert.That(_records[^1].Reclaimable, Is.EqualTo(1), "only the newcomer");
        var client = new Nfs4TestClient(third, () => Callers.Root(), "absent", reclaimComplete: false);
        Assert.That((await client.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4errNoGrace));
    }

    [Test]
    public async Task A_restart_inside_the_grace_period_keeps_the_right_to_reclaim_of_clients_that_have_not_come_back_yet()
    {
        // RFC 7530 §9.6.3.4, edge condition 2: a second restart before the client could reclaim must not take its state.
        var first = await StartAsync();
        await OpenAsync(new Nfs4TestClient(first, () => Callers.Root(), "slow"));

        await StartAsync();
        var third = await StartAsync();
        var client = new Nfs4TestClient(third, () => Callers.Root(), "slow", reclaimComplete: false);
        Assert.That((await client.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task Reclaims_that_conflict_are_RECLAIM_CONFLICT_and_a_delegation_never_granted_is_RECLAIM_BAD()
    {
        // RFC 8881 §15.1.9.3-4: a reclaim that conflicts with what was reclaimed; one of state the server never gave.
        var before = await StartAsync();
        await OpenAsync(new Nfs4TestClient(before, () => Callers.Root(), "client-a"));
        await OpenAsync(new Nfs4TestClient(before, () => Callers.Root(), "client-b"));

        var after = await StartAsync();
        var a = new Nfs4TestClient(after, () => Callers.Root(), "client-a", reclaimComplete: false);
        var b = new Nfs4TestClient(after, () => Callers.Root(), "client-b", reclaimComplete: false);
        Assert.That((await a.CompoundAsync(PutFile, Reclaim(deny: Attr.Open4ShareDenyBoth))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await b.CompoundAsync(PutFile, Reclaim())).Status, Is.EqualTo(Nfsstat4.Nfs4errReclaimConflict));
        Assert.That((await b.CompoundAsync(PutFile, Reclaim(delegation: OpenDelegationType4.OpenDelegateRead))).Status, Is.EqualTo(Nfsstat4.Nfs4errReclaimBad));
    }

    [Test]
    public async Task The_grace_period_ends_once_every_recorded_client_said_RECLAIM_COMPLETE_when_asked_to()
    {
        // RFC 8881 §8.4.2.1: the server may end the grace period early once all clients have reclaimed.
        var before = await StartAsync();
        await OpenAsync(new Nfs4TestClient(before, () => Callers.Root(), "client-a"));

        var after = await StartAsync();
        _records[^1].EndGraceWhenAllReclaimed();
        var newcomer = new Nfs4TestClient(after, () => Callers.Root(), "client-b");
        Assert.That((await newcomer.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4errGrace));
        await new Nfs4TestClient(after, () => Callers.Root(), "client-a").SessionAsync(); // reclaims nothing, says so
        Assert.That((await newcomer.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task A_client_that_cannot_be_recorded_is_granted_no_open_until_it_can_be()
    {
        // RFC 8881 §8.4.3: the record must be in stable storage before the client holds state; until then NFS4ERR_DELAY.
        var service = await StartAsync();
        var client = new Nfs4TestClient(service, () => Callers.Root(), "client-a");
        await client.SessionAsync(); // a client that holds nothing yet needs no record
        Directory.Delete(_directory, recursive: true);
        File.WriteAllText(_directory, "a file where the directory was");
        try
        {
            Assert.That((await client.CompoundAsync([.. InExport, OpenByName()])).Status, Is.EqualTo(Nfsstat4.Nfs4errDelay));

            File.Delete(_directory);
            Directory.CreateDirectory(_directory);
            await OpenAsync(client);
            Assert.That(File.ReadAllText(Path.Combine(_directory, "nfs4-clients.json")), Does.Contain(Convert.ToBase64String("client-a"u8.ToArray())));
        }
        finally
        {
            if (File.Exists(_directory))
                File.Delete(_directory);
            Directory.CreateDirectory(_directory);
        }
    }

    [Test]
    public async Task A_client_that_only_looked_gives_the_next_start_no_one_to_wait_for()
    {
        // RFC 8881 §8.4.3 records clients that hold state; one that only listed and read (anonymous stateid) held none.
        var before = await StartAsync();
        var looker = new Nfs4TestClient(before, () => Callers.Root(), "looker");
        var looked = await looker.CompoundAsync([.. InExport, NfsArgop4.FromOpreaddir(new Readdir4Args { Cookieverf = (DittoFs.Xdr.InlineOpaque<DittoFs.Xdr.InlineBytes8>)new byte[8], Maxcount = 4096, Dircount = 4096, AttrRequest = Array.Empty<uint>() })]);
        Assert.That(looked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var read = await looker.CompoundAsync(PutFile, NfsArgop4.FromOpread(new Read4Args { Stateid = new Stateid4 { Other = new byte[12] }, Offset = 0, Count = 10 }));
        Assert.That(read.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));

        await StartAsync();
        Assert.That(_records[^1].Reclaimable, Is.Zero);
    }

    [Test]
    public async Task Every_start_has_a_larger_instance_even_within_one_second()
    {
        // RFC 7530 §9.1.4.3 / RFC 8881 §8.2.2: stateids and client ids of an earlier start must be told apart.
        await StartAsync();
        await StartAsync();
        await StartAsync();
        Assert.That(_records.Select(r => r.Instance), Is.Ordered.Ascending.And.Unique);
    }
}
