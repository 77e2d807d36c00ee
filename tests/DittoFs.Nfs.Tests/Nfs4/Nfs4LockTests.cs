using DittoFs.Xdr;
using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging.Abstractions;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// NFSv4 byte-range locks (RFC 7530 §9.4-9.5, §16.10-16.12, §16.27; RFC 8881 §18.10-18.12) in the share's lock table,
/// the one NLM's locks are in: v4 clients conflict with each other and with NLM clients.
/// </summary>
public sealed class Nfs4LockTests
{
    private readonly ManualClock _clock = new();
    private TestServer _server = null!;
    private Nfs4Service _service = null!;
    private Nfs4TestClient _a = null!;
    private Nfs4TestClient _b = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.CreateFileAsync(_server.Root, "f");
        _service = new Nfs4Service(_server.Shares, _server.Options, NullLogger<Nfs4Service>.Instance, _clock);
        _a = new Nfs4TestClient(_service, () => Callers.Root(), owner: "client-a");
        _b = new Nfs4TestClient(_service, () => Callers.Root(), owner: "client-b");
    }

    private static NfsArgop4[] OnFile(params NfsArgop4[] operations) =>
        [new(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() }), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "f"u8.ToArray() }), .. operations];

    private static async Task<Stateid4> OpenAsync(Nfs4TestClient client, uint access = Attr.Open4ShareAccessBoth)
    {
        var result = await client.CompoundAsync(
            new NfsArgop4(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() }),
            NfsArgop4.FromOpopen(new Open4Args
            {
                ShareAccess = access,
                Owner = new StateOwner4 { Owner = "open-owner"u8.ToArray() },
                Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
                Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = "f"u8.ToArray() },
            }));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        return result.Resarray.ToArray()[2].Opopen.Resok4.Stateid;
    }

    private static NfsArgop4 NewLock(Stateid4 open, ulong offset, ulong length, NfsLockType4 type = NfsLockType4.WriteLt, string owner = "lock-owner") =>
        NfsArgop4.FromOplock(new Lock4Args
        {
            Locktype = type,
            Offset = offset,
            Length = length,
            Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenStateid = open, LockOwner = new StateOwner4 { Owner = Encoding.UTF8.GetBytes(owner) } } },
        });

    private static NfsArgop4 Unlock(Stateid4 lockStateid, ulong offset, ulong length) =>
        NfsArgop4.FromOplocku(new Locku4Args { Locktype = NfsLockType4.WriteLt, LockStateid = lockStateid, Offset = offset, Length = length });

    private static NfsResop4 Last(in Compound4Res result) => result.Resarray.ToArray()[^1];

    [Test]
    public async Task Two_clients_conflict_and_the_denial_names_the_holder_until_it_unlocks()
    {
        // RFC 7530 §16.10.5: NFS4ERR_DENIED with LOCK4denied describing a conflicting lock.
        var lockA = await _a.CompoundAsync(OnFile(NewLock(await OpenAsync(_a), 0, 100)));
        Assert.That(lockA.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var lockStateid = Last(lockA).Oplock.Resok4.LockStateid;
        var openB = await OpenAsync(_b);
        var denied = await _b.CompoundAsync(OnFile(NewLock(openB, 50, 10)));
        Assert.Multiple(() =>
        {
            Assert.That(denied.Status, Is.EqualTo(Nfsstat4.Nfs4errDenied));
            var holder = Last(denied).Oplock.Denied;
            Assert.That((ulong)holder.Offset, Is.EqualTo(0UL));
            Assert.That((ulong)holder.Length, Is.EqualTo(100UL));
            Assert.That(holder.Locktype, Is.EqualTo(NfsLockType4.WriteLt));
            Assert.That(holder.Owner.Owner.ToArray(), Is.EqualTo("lock-owner"u8.ToArray()));
        });
        var test = await _b.CompoundAsync(OnFile(NfsArgop4.FromOplockt(new Lockt4Args { Locktype = NfsLockType4.ReadLt, Offset = 99, Length = 1, Owner = new StateOwner4 { Owner = "x"u8.ToArray() } })));
        Assert.That(test.Status, Is.EqualTo(Nfsstat4.Nfs4errDenied), "LOCKT");
        var unlocked = await _a.CompoundAsync(OnFile(Unlock(lockStateid, 0, 100)));
        Assert.That(Last(unlocked).Oplocku.LockStateid.Seqid, Is.EqualTo(lockStateid.Seqid + 1), "LOCKU raises the seqid");
        Assert.That((await _b.CompoundAsync(OnFile(NewLock(openB, 50, 10)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    private static NfsArgop4 TestStateids(params Stateid4[] stateids) =>
        NfsArgop4.FromOptestStateid(new TestStateid4Args { TsStateids = stateids });

    private static NfsArgop4 FreeStateid(Stateid4 stateid) => NfsArgop4.FromOpfreeStateid(new FreeStateid4Args { FsaStateid = stateid });

    [Test]
    public async Task TEST_STATEID_answers_for_each_stateid_what_using_it_would()
    {
        // RFC 8881 §18.48.3: each stateid's status as normal use would give it, with no current filehandle and no kind of
        // state asked for; special stateids and other clients' are NFS4ERR_BAD_STATEID; the operation succeeds.
        var open = await OpenAsync(_a);
        var locked = await _a.CompoundAsync(OnFile(NewLock(open, 0, 10)));
        var lockStateid = Last(locked).Oplock.Resok4.LockStateid;
        var unlocked = Last(await _a.CompoundAsync(OnFile(Unlock(lockStateid, 0, 10)))).Oplocku.LockStateid; // seqid + 1
        var openB = await OpenAsync(_b, Attr.Open4ShareAccessRead);
        var unknown = new Stateid4 { Seqid = 1, Other = open.Other.ToArray().Select(b => (byte)~b).ToArray() };
        var result = await _a.CompoundAsync(TestStateids(
            open, new Stateid4 { Seqid = 0, Other = open.Other }, unlocked, lockStateid, openB, new Stateid4 { Other = new byte[12] }, unknown));
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(Last(result).OptestStateid.TsrResok4.TsrStatusCodes.ToArray(), Is.EqualTo(new[]
            {
                Nfsstat4.Nfs4Ok, // the open
                Nfsstat4.Nfs4Ok, // seqid 0: the current one (§8.2.2)
                Nfsstat4.Nfs4Ok, // the lock stateid as LOCKU left it
                Nfsstat4.Nfs4errOldStateid, // the lock stateid before LOCKU
                Nfsstat4.Nfs4errBadStateid, // another client's open
                Nfsstat4.Nfs4errBadStateid, // the anonymous special stateid
                Nfsstat4.Nfs4errBadStateid, // one no server made
            }));
        });
        Assert.That((await _a.CompoundAsync(OnFile(NfsArgop4.FromOpclose(new Close4Args { OpenStateid = open })))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(Last(await _a.CompoundAsync(TestStateids(open))).OptestStateid.TsrResok4.TsrStatusCodes.ToArray(),
            Is.EqualTo(new[] { Nfsstat4.Nfs4errBadStateid }), "a closed open");
    }

    [Test]
    public async Task FREE_STATEID_forgets_a_lock_stateid_once_it_holds_no_locks()
    {
        // RFC 8881 §18.38.3: NFS4ERR_LOCKS_HELD while the lock-owner holds locks on the file, and for an open stateid
        // (CLOSE ends an open); then the stateid is gone (TEST_STATEID: BAD_STATEID). Another client's: BAD_STATEID.
        var open = await OpenAsync(_a);
        var lockStateid = Last(await _a.CompoundAsync(OnFile(NewLock(open, 0, 10)))).Oplock.Resok4.LockStateid;
        var heldByOther = await _b.CompoundAsync(FreeStateid(lockStateid));
        var held = await _a.CompoundAsync(FreeStateid(lockStateid));
        var ofOpen = await _a.CompoundAsync(FreeStateid(open));
        var unlocked = Last(await _a.CompoundAsync(OnFile(Unlock(lockStateid, 0, 10)))).Oplocku.LockStateid;
        var freed = await _a.CompoundAsync(FreeStateid(unlocked));
        Assert.Multiple(() =>
        {
            Assert.That(heldByOther.Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid), "another client's");
            Assert.That(held.Status, Is.EqualTo(Nfsstat4.Nfs4errLocksHeld), "a lock is held");
            Assert.That(ofOpen.Status, Is.EqualTo(Nfsstat4.Nfs4errLocksHeld), "an open stateid");
            Assert.That(freed.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "no lock left");
        });
        Assert.Multiple(async () =>
        {
            Assert.That(Last(await _a.CompoundAsync(TestStateids(unlocked, open))).OptestStateid.TsrResok4.TsrStatusCodes.ToArray(),
                Is.EqualTo(new[] { Nfsstat4.Nfs4errBadStateid, Nfsstat4.Nfs4Ok }), "the lock stateid is gone, the open stays");
            Assert.That((await _a.CompoundAsync(OnFile(Unlock(unlocked, 0, 10)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid), "LOCKU with it");
        });
    }

    [Test]
    public async Task A_v4_lock_and_an_NLM_lock_on_the_same_range_conflict_both_ways()
    {
        // The rule: one lock table for NLM and NFSv4.
        var table = _server.Share.FileSystem.Locks;
        var file = FileLockKey.Of(new DittoFs.Storage.FileRef(FileHandleOf("f").FileId, (uint)FileHandleOf("f").Generation));
        var nlmOwner = new LockOwner(LockClient.Nlm("nlm-host"), 42, "oh"u8);
        Assert.That(table.Lock(new LockRequest(file, nlmOwner, new LockRange(0, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Granted));
        var denied = await _a.CompoundAsync(OnFile(NewLock(await OpenAsync(_a), 5, 10)));
        Assert.Multiple(() =>
        {
            Assert.That(denied.Status, Is.EqualTo(Nfsstat4.Nfs4errDenied));
            Assert.That((ulong)Last(denied).Oplock.Denied.Owner.Clientid, Is.Zero, "an NLM holder has no v4 client id");
        });
        table.Unlock(file, nlmOwner, new LockRange(0, 10));
        Assert.That((await _a.CompoundAsync(OnFile(NewLock(await OpenAsync(_a), 5, 10)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(table.Test(file, nlmOwner, new LockRange(0, 100), LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied), "NLM sees the v4 lock");
    }

    [Test]
    public async Task A_v4_open_and_an_NLM_share_reservation_deny_each_other()
    {
        // RFC 7530 §9.9 (OPEN's share_deny) and XNFS NLM SHARE: one table of reservations, so each protocol's deny
        // modes hold against the other's clients.
        var table = _server.Share.FileSystem.Locks;
        var file = FileLockKey.Of(new DittoFs.Storage.FileRef(FileHandleOf("f").FileId, (uint)FileHandleOf("f").Generation));
        var nlmOwner = new LockOwner(LockClient.Nlm("nlm-host"), 0, "share-oh"u8);
        Assert.That(table.Share(file, nlmOwner, ShareAccess.Read, ShareDeny.Write).Status, Is.EqualTo(LockStatus.Granted));

        async Task<Compound4Res> OpenFor(Nfs4TestClient client, uint access, uint deny) => await client.CompoundAsync(
            new NfsArgop4(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() }),
            NfsArgop4.FromOpopen(new Open4Args
            {
                ShareAccess = access,
                ShareDeny = deny,
                Owner = new StateOwner4 { Owner = "open-owner"u8.ToArray() },
                Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
                Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = "f"u8.ToArray() },
            }));
        Assert.That((await OpenFor(_a, Attr.Open4ShareAccessBoth, Attr.Open4ShareDenyNone)).Status, Is.EqualTo(Nfsstat4.Nfs4errShareDenied), "NLM denies writers");
        var reader = await OpenFor(_a, Attr.Open4ShareAccessRead, Attr.Open4ShareDenyNone);
        Assert.That(reader.Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "a reader is not denied");
        Assert.That(table.Share(file, nlmOwner, ShareAccess.Read, ShareDeny.Read).Status, Is.EqualTo(LockStatus.Denied), "NLM cannot deny the v4 reader");

        table.Unshare(file, nlmOwner);
        var denyingWriters = await OpenFor(_b, Attr.Open4ShareAccessRead, Attr.Open4ShareDenyWrite);
        Assert.That(denyingWriters.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(table.Share(file, nlmOwner, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Denied), "the v4 open denies NLM's writer");
        var close = NfsArgop4.FromOpclose(new Close4Args { OpenStateid = Last(denyingWriters).Opopen.Resok4.Stateid });
        Assert.That((await _b.CompoundAsync(OnFile(close))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That(table.Share(file, nlmOwner, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted), "CLOSE gave the reservation back");
    }

    [TestCase(0UL, 0UL)]
    [TestCase(ulong.MaxValue, 2UL)]
    public async Task A_zero_length_or_a_range_past_2_64_is_INVAL(ulong offset, ulong length)
    {
        // RFC 7530 §16.10.4.
        Assert.That((await _a.CompoundAsync(OnFile(NewLock(await OpenAsync(_a), offset, length)))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
    }

    [Test]
    public async Task Length_all_ones_locks_to_the_end_of_the_file()
    {
        Assert.That((await _a.CompoundAsync(OnFile(NewLock(await OpenAsync(_a), 1000, ulong.MaxValue)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        Assert.That((await _b.CompoundAsync(OnFile(NewLock(await OpenAsync(_b), ulong.MaxValue - 1, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4errDenied));
    }

    [Test]
    public async Task A_4_0_lock_owners_seqids_sequence_LOCK_and_LOCKU_with_replies_kept_for_retransmissions()
    {
        // RFC 7530 §9.1.7 and §16.10.5: a new lock-owner's LOCK goes by its open-owner's seqid and starts the lock-owner's
        // at lock_seqid; later LOCK and LOCKU go by the lock-owner's. The last is replayed, one out of order is BAD_SEQID.
        var client = new Nfs4TestClient(_service, () => Callers.Root(), owner: "v40-locker");
        ulong clientId = await client.ClientId40Async();
        var opened = await client.SendAsync(0, OnFile(NfsArgop4.FromOpopen(new Open4Args
        {
            Seqid = 0,
            ShareAccess = Attr.Open4ShareAccessBoth,
            Owner = new StateOwner4 { Clientid = clientId, Owner = "open-owner"u8.ToArray() },
            Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
            Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimFh },
        })));
        // CLAIM_FH is 4.1's; 4.0 opens by name.
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
        opened = await client.SendAsync(0, new NfsArgop4(NfsOpnum4.OpPutrootfh), NfsArgop4.FromOplookup(new Lookup4Args { Objname = "export"u8.ToArray() }),
            NfsArgop4.FromOpopen(new Open4Args
            {
                Seqid = 1,
                ShareAccess = Attr.Open4ShareAccessBoth,
                Owner = new StateOwner4 { Clientid = clientId, Owner = "open-owner"u8.ToArray() },
                Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
                Claim = new OpenClaim4 { Claim = OpenClaimType4.ClaimNull, File = "f"u8.ToArray() },
            }));
        Assert.That(opened.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var open = Last(opened).Opopen.Resok4.Stateid;
        NfsArgop4 NewOwnerLock(uint openSeqid) => NfsArgop4.FromOplock(new Lock4Args
        {
            Locktype = NfsLockType4.WriteLt, Offset = 0, Length = 10,
            Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenSeqid = openSeqid, OpenStateid = open, LockSeqid = 100, LockOwner = new StateOwner4 { Clientid = clientId, Owner = "lock-owner"u8.ToArray() } } },
        });
        var locked = await client.SendAsync(0, OnFile(NewOwnerLock(2)));
        Assert.That(locked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var lockStateid = Last(locked).Oplock.Resok4.LockStateid;
        var replayed = await client.SendAsync(0, OnFile(NewOwnerLock(2)));
        Assert.That(XdrCodec.Encode(Last(replayed)), Is.EqualTo(XdrCodec.Encode(Last(locked))), "a retransmitted LOCK: the same reply, no second lock state");

        NfsArgop4 UnlockAt(uint seqid, Stateid4 stateid) => NfsArgop4.FromOplocku(new Locku4Args { Seqid = seqid, Locktype = NfsLockType4.WriteLt, LockStateid = stateid, Offset = 0, Length = 10 });
        Assert.That((await client.SendAsync(0, OnFile(UnlockAt(102, lockStateid)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadSeqid), "the lock-owner's next is 101");
        var unlocked = await client.SendAsync(0, OnFile(UnlockAt(101, lockStateid)));
        Assert.That(unlocked.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var unlockedAgain = await client.SendAsync(0, OnFile(UnlockAt(101, lockStateid)));
        Assert.That(XdrCodec.Encode(Last(unlockedAgain)), Is.EqualTo(XdrCodec.Encode(Last(unlocked))), "a retransmitted LOCKU, though its stateid's seqid is old now");
    }

    [Test]
    public async Task A_write_lock_needs_an_open_for_write()
    {
        var readOnly = await OpenAsync(_a, Attr.Open4ShareAccessRead);
        Assert.That((await _a.CompoundAsync(OnFile(NewLock(readOnly, 0, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4errOpenmode));
        Assert.That((await _a.CompoundAsync(OnFile(NewLock(readOnly, 0, 1, NfsLockType4.ReadLt)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
    }

    [Test]
    public async Task LOCKU_takes_a_lock_stateid_only()
    {
        var open = await OpenAsync(_a);
        Assert.That((await _a.CompoundAsync(OnFile(Unlock(open, 0, 1)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid));
    }

    [Test]
    public async Task CLOSE_and_an_expired_lease_release_the_locks()
    {
        var open = await OpenAsync(_a);
        await _a.CompoundAsync(OnFile(NewLock(open, 0, 10)));
        await _a.CompoundAsync(OnFile(NfsArgop4.FromOpclose(new Close4Args { OpenStateid = new Stateid4 { Seqid = open.Seqid, Other = open.Other } })));
        var openB = await OpenAsync(_b);
        Assert.That((await _b.CompoundAsync(OnFile(NewLock(openB, 0, 10)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "RFC 8881 §18.2.4: CLOSE released them");
        _clock.Advance(TimeSpan.FromSeconds(95));
        var c = new Nfs4TestClient(_service, () => Callers.Root(), owner: "client-c");
        Assert.That((await c.CompoundAsync(OnFile(NewLock(await OpenAsync(c), 0, 10)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "RFC 8881 §8.3: B's lease ran out");
    }

    private FileHandle FileHandleOf(string name)
    {
        var lookup = _server.Nfs.LookupAsync(new Lookup3Args { What = TestServer.Where(_server.Root, name) }, Callers.Root()).AsTask().GetAwaiter().GetResult();
        FileHandle.TryParse(lookup.Resok.Object.Data.Span, out var handle);
        return handle;
    }
}
