using DittoFs.Vfs.Locks;
using Npgsql;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// Two servers' lock tables on one database (<see cref="PostgresLockTable"/>, each over its own store, pool and
/// local table): a lock or share reservation taken through one conflicts with one taken through the other, an unlock
/// through one frees the range for the other, and a server that is gone stops holding anything.
/// </summary>
[TestFixture]
public sealed class SharedLockTableTests
{
    private static readonly FileLockKey F = new(10, 1);
    private static readonly LockOwner OnA = Owner("host-a");
    private static readonly LockOwner OnB = Owner("host-b");
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    // How long a dead server's locks wait for reclaims; the tests end it by hand (Expire, EndGrace).
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    private string _connectionString = null!;
    private PostgresMetadataStore _storeA = null!;
    private PostgresMetadataStore _storeB = null!;
    private PostgresLockTable _a = null!;
    private PostgresLockTable _b = null!;

    [SetUp]
    public void OpenTwoServers()
    {
        _connectionString = ClusterSetup.Cluster.CreateSchema(ClusterSetup.Cluster.CreateDatabase());
        _storeA = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        _storeB = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        _a = _storeA.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);
        _b = _storeB.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);
    }

    [TearDown]
    public void CloseServers()
    {
        // The stores dispose their tables too; disposing twice is harmless.
        _a.Dispose();
        _b.Dispose();
        _storeA.Dispose();
        _storeB.Dispose();
    }

    private static LockOwner Owner(string host, uint svid = 1) => new(LockClient.Nlm(host), svid, "oh"u8);

    private static LockResult Lock(ILockTable table, LockOwner owner, ulong offset, ulong length, LockMode mode, bool block = false) =>
        table.Lock(new LockRequest(F, owner, new LockRange(offset, length), mode, block));

    [Test]
    public void An_exclusive_lock_through_A_denies_an_overlapping_one_through_B_until_A_unlocks()
    {
        Assert.That(Lock(_a, OnA, 0, 100, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));

        var denied = Lock(_b, OnB, 50, 10, LockMode.Shared);
        Assert.That(denied.Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(denied.Conflict, Is.EqualTo(new LockConflict(OnA, new LockRange(0, 100), LockMode.Exclusive)), "the conflict names A's holder");
        Assert.That(_b.Test(F, OnB, new LockRange(99, 1), LockMode.Shared), Is.EqualTo(new LockTestResult(LockStatus.Denied, new LockConflict(OnA, new LockRange(0, 100), LockMode.Exclusive))));
        Assert.That(Lock(_b, OnB, 100, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "the byte after A's range is free");
        Assert.That(Lock(_a, OnA, 105, 1, LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied), "and B's range now denies A");

        Assert.That(_a.Unlock(F, OnA, new LockRange(0, 100)).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Lock(_b, OnB, 0, 100, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void Shared_locks_through_both_servers_coexist_and_deny_an_exclusive_one_through_either()
    {
        Assert.That(Lock(_a, OnA, 0, 0, LockMode.Shared).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Lock(_b, OnB, 10, 10, LockMode.Shared).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Lock(_b, Owner("host-c"), 1000, 1, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied), "A's shared lock to the end");
        Assert.That(Lock(_a, Owner("host-d"), 15, 1, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void One_owner_through_two_servers_does_not_conflict_with_itself()
    {
        Assert.That(Lock(_a, OnA, 0, 100, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Lock(_b, OnA, 50, 100, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "a client that moved to B keeps locking");
    }

    [Test]
    public void NFSv4_owners_with_one_client_id_on_two_servers_are_two_owners()
    {
        // Each server mints its own client ids: the same number on A and B names two clients.
        var onA = new LockOwner(LockClient.Nfs4(0x0000000100000001), "lock-owner"u8);
        var onB = new LockOwner(LockClient.Nfs4(0x0000000100000001), "lock-owner"u8);
        Assert.That(Lock(_a, onA, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(_a.Share(F, onA, ShareAccess.Both, ShareDeny.Write).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Lock(_b, onB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(_b.Share(F, onB, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void A_blocking_request_through_B_that_conflicts_with_A_is_denied_when_nobody_takes_later_grants()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);

        var answer = Lock(_b, OnB, 0, 10, LockMode.Exclusive, block: true);

        Assert.That(answer.Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(_b.Waiters, Is.Zero);
    }

    [Test]
    public void A_blocking_request_through_B_that_conflicts_with_A_waits_and_is_granted_by_the_poll_after_A_unlocks()
    {
        var granted = new List<LockGrant>();
        _b.GrantedLater = grants => { lock (granted) granted.AddRange(grants); };
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);

        var blocked = _b.Lock(new LockRequest(F, OnB, new LockRange(0, 10), LockMode.Exclusive, Block: true, Context: "nlm cookie"));
        Assert.That(blocked.Status, Is.EqualTo(LockStatus.Blocked));
        Assert.That(blocked.Conflict?.Owner, Is.EqualTo(OnA));
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive, block: true).WaiterId, Is.EqualTo(blocked.WaiterId), "a retransmission waits as the same request");
        Assert.That(_b.Waiters, Is.EqualTo(1));
        Assert.That(_b.ClientsWithState(), Does.Contain(OnB.Client), "its host stays watched");
        _b.Poll();
        Assert.That(granted, Is.Empty, "A still holds it");

        _a.Unlock(F, OnA, new LockRange(0, 10));
        _b.Poll();

        Assert.That(granted, Is.EqualTo(new[] { new LockGrant(blocked.WaiterId, F, OnB, new LockRange(0, 10), LockMode.Exclusive, "nlm cookie") }));
        Assert.That(_b.Waiters, Is.Zero);
        Assert.That(Lock(_a, OnA, 5, 1, LockMode.Shared).Conflict?.Owner, Is.EqualTo(OnB), "B holds it now, published");
    }

    [Test]
    public void A_cancelled_request_waiting_for_A_is_never_granted()
    {
        var granted = new List<LockGrant>();
        _b.GrantedLater = grants => { lock (granted) granted.AddRange(grants); };
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Shared, block: true).Status, Is.EqualTo(LockStatus.Blocked));

        Assert.That(_b.Cancel(F, OnB, new LockRange(0, 10), LockMode.Shared).Changed, Is.True);
        _a.Unlock(F, OnA, new LockRange(0, 10));
        _b.Poll();

        Assert.That(granted, Is.Empty);
        Assert.That((_b.Waiters, _b.HeldRanges), Is.EqualTo((0, 0)));
    }

    [Test]
    public void The_poll_runs_by_itself()
    {
        var granted = new TaskCompletionSource<IReadOnlyList<LockGrant>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _b.GrantedLater = grants => granted.TrySetResult(grants);
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive, block: true).Status, Is.EqualTo(LockStatus.Blocked));

        _a.Unlock(F, OnA, new LockRange(0, 10));

        Assert.That(granted.Task.Wait(TimeSpan.FromSeconds(30)), "granted within 30 s (a poll every second)");
        Assert.That(granted.Task.Result.Single().Owner, Is.EqualTo(OnB));
    }

    [Test]
    public void A_request_queued_on_A_and_granted_there_is_undone_when_B_took_part_of_its_range_meanwhile()
    {
        var waiter = Owner("host-waiter");
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Assert.That(Lock(_a, waiter, 0, 20, LockMode.Exclusive, block: true).Status, Is.EqualTo(LockStatus.Blocked));
        Assert.That(Lock(_b, OnB, 10, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "the queue is A's own: B sees only A's held [0, 10)");

        var unlocked = _a.Unlock(F, OnA, new LockRange(0, 10));

        Assert.That(unlocked.Woken, Is.Empty, "the grant would conflict with B's lock: not reported");
        Assert.That(_a.HeldRanges, Is.Zero, "and not held");
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "nothing of the waiter's counts on B");
    }

    [Test]
    public void A_request_queued_on_A_is_granted_there_when_nothing_on_B_conflicts()
    {
        var waiter = Owner("host-waiter");
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Lock(_a, waiter, 0, 10, LockMode.Exclusive, block: true);

        var unlocked = _a.Unlock(F, OnA, new LockRange(0, 10));

        Assert.That(unlocked.Woken.Select(g => g.Owner), Is.EqualTo(new[] { waiter }));
        Assert.That(Lock(_b, OnB, 5, 1, LockMode.Shared).Conflict?.Owner, Is.EqualTo(waiter), "the grant is published");
    }

    [Test]
    public void Share_reservations_conflict_across_servers_until_unshared()
    {
        Assert.That(_a.Share(F, OnA, ShareAccess.Read, ShareDeny.Write).Status, Is.EqualTo(LockStatus.Granted));

        var denied = _b.Share(F, OnB, ShareAccess.Write, ShareDeny.None);
        Assert.That(denied, Is.EqualTo(new ShareResult(LockStatus.Denied, new ShareReservation(OnA, ShareAccess.Read, ShareDeny.Write))));
        Assert.That(_b.Share(F, OnB, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted), "reading is not denied");
        Assert.That(_a.Share(F, Owner("host-c"), ShareAccess.Read, ShareDeny.Read).Status, Is.EqualTo(LockStatus.Denied), "B reads now");

        Assert.That(_a.Unshare(F, OnA).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(_b.Share(F, Owner("host-d"), ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void Releasing_a_client_through_A_frees_its_locks_and_reservations_for_B()
    {
        var other = new FileLockKey(11, 1);
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        _a.Lock(new LockRequest(other, OnA, LockRange.WholeFile, LockMode.Exclusive));
        _a.Share(F, OnA, ShareAccess.Both, ShareDeny.Both);

        _a.ReleaseClient(OnA.Client);

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(_b.Lock(new LockRequest(other, OnB, LockRange.WholeFile, LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(_b.Share(F, OnB, ShareAccess.Both, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void A_stopped_server_that_held_nothing_leaves_no_row()
    {
        var server = _a.ServerId;

        _a.Dispose();

        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{server}'"), Is.Zero);
    }

    [Test]
    public void A_stopped_server_hands_its_locks_over_as_a_dead_one()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        _a.PublishMonitorList("nfs.example", 5, [new WatchedHost("host-a", System.Net.IPAddress.Parse("192.0.2.1"))]);
        var takeovers = Collect(_b);

        _a.Dispose();

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied), "kept: its client was told nothing");
        _b.Renew();
        Assert.That(takeovers.Single().Hosts.Select(h => h.Name), Is.EqualTo(new[] { "host-a" }), "B tells A's client to reclaim");
        Assert.That(Reclaim(_b, OnA, 0, 10).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void A_server_whose_lease_lapsed_is_taken_over_and_publishes_again_under_a_new_row_when_it_renews()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Lock(_a, Owner("host-c"), 20, 10, LockMode.Exclusive);
        Expire(_a);

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied), "A's lease lapsed: its locks are kept for reclaims");
        _b.Renew();
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{_a.ServerId}' AND taken_over_by = '{_b.ServerId}'"), Is.EqualTo(1), "B took A's row over");
        var lapsed = _a.ServerId;

        _a.Renew();

        Assert.That(_a.ServerId, Is.Not.EqualTo(lapsed), "A registered again");
        EndGrace(lapsed);
        _b.Renew();
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{lapsed}'"), Is.Zero, "the taken-over row is gone after its grace");
        Assert.That(Lock(_b, OnB, 25, 1, LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied), "A's locks count again, under its new row");
    }

    [Test]
    public void A_server_whose_lease_lapsed_but_that_nobody_took_over_keeps_its_row_when_it_renews()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        var server = _a.ServerId;
        Expire(_a);

        _a.Renew();

        Assert.That(_a.ServerId, Is.EqualTo(server));
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Denied));
        _b.TakeOver();
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE taken_over_by IS NOT NULL"), Is.Zero, "alive again: nothing to take over");
    }

    [Test]
    public void A_reclaim_in_the_servers_own_grace_period_takes_the_kept_lock_off_the_dead_servers_row()
    {
        var grace = new LockGracePeriod(TimeProvider.System);
        grace.Begin(TimeSpan.FromMinutes(5));
        using var storeC = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        var restarted = storeC.CreateLockTable("/export", new MemoryLockTable(grace: grace), Lease, Grace);
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Expire(_a);
        _b.TakeOver();

        Assert.That(Reclaim(restarted, OnA, 0, 10).Status, Is.EqualTo(LockStatus.Granted));
        restarted.Unlock(F, OnA, new LockRange(0, 10));

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));
        restarted.Dispose();
    }

    [Test]
    public void A_dead_server_is_taken_over_by_exactly_one_of_the_survivors()
    {
        using var storeC = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        var c = storeC.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);
        var claims = new List<LockTakeover>();
        _b.TookOver = t => { lock (claims) claims.Add(t); };
        c.TookOver = t => { lock (claims) claims.Add(t); };
        for (int round = 0; round < 20; round++)
        {
            using var storeDead = PostgresMetadataStoreConformanceTests.Open(_connectionString);
            var dead = storeDead.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);
            Assert.That(dead.Lock(new LockRequest(F, Owner($"host-{round}"), new LockRange((ulong)round * 10, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Granted));
            dead.PublishMonitorList($"server-{round}", 1, [new WatchedHost($"host-{round}", System.Net.IPAddress.Loopback)]);
            Expire(dead);
            claims.Clear();

            using var start = new Barrier(2);
            Task.WaitAll(Task.Run(() => { start.SignalAndWait(); _b.TakeOver(); }), Task.Run(() => { start.SignalAndWait(); c.TakeOver(); }));

            Assert.That(claims.Select(t => t.NsmName), Is.EqualTo(new[] { $"server-{round}" }), $"round {round}: one survivor took it over");
            Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{dead.ServerId}' AND taken_over_by IN ('{_b.ServerId}', '{c.ServerId}')"), Is.EqualTo(1));
            storeDead.Dispose();
            EndGrace(dead.ServerId);
        }
        c.Dispose();
    }

    [Test]
    public void A_takeover_tells_the_dead_servers_hosts_in_its_name_with_a_new_larger_state()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        var hosts = new[] { new WatchedHost("host-a", System.Net.IPAddress.Parse("192.0.2.1")), new WatchedHost("host-x", System.Net.IPAddress.Parse("2001:db8::1")) };
        _a.PublishMonitorList("nfs.example", 7, hosts);
        var takeovers = Collect(_b);
        Expire(_a);

        _b.TakeOver();

        var first = takeovers.Single();
        Assert.That((first.NsmName, first.State, first.Servers.Single()), Is.EqualTo(("nfs.example", 9, Scalar<string>($"SELECT name FROM lock_servers WHERE server_id = '{_a.ServerId}'"))));
        Assert.That(first.Hosts, Is.EquivalentTo(hosts));

        // Another server under the same name dies later, having published an older state: the notice still goes up.
        using var storeC = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        var c = storeC.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);
        c.Lock(new LockRequest(F, Owner("host-c"), new LockRange(100, 10), LockMode.Exclusive));
        c.PublishMonitorList("nfs.example", 3, [new WatchedHost("host-c", System.Net.IPAddress.Loopback)]);
        Expire(c);
        _b.TakeOver();
        Assert.That(takeovers.Select(t => t.State), Is.EqualTo(new[] { 9, 11 }));
        Assert.That((_b.LastTakeoverState("nfs.example"), _b.LastTakeoverState("other.example")), Is.EqualTo((11, 0)), "where a restart under that name starts above");
        Assert.That(takeovers[1].Hosts.Select(h => h.Name), Is.EqualTo(new[] { "host-c" }));
    }

    [Test]
    public void A_dead_server_that_held_nothing_is_taken_over_without_telling_anyone()
    {
        _a.PublishMonitorList("nfs.example", 7, [new WatchedHost("host-a", System.Net.IPAddress.Loopback)]);
        var takeovers = Collect(_b);
        Expire(_a);

        _b.TakeOver();

        Assert.That(takeovers, Is.Empty);
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{_a.ServerId}' AND taken_over_by IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public void A_dead_servers_locks_refuse_conflicting_requests_through_every_server_until_its_grace_ends()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        _a.Share(F, OnA, ShareAccess.Both, ShareDeny.Write);
        Expire(_a);
        using var storeC = PostgresMetadataStoreConformanceTests.Open(_connectionString);
        var c = storeC.CreateLockTable("/export", new MemoryLockTable(), Lease, Grace);

        Assert.That(Lock(_b, OnB, 5, 1, LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied), "before the takeover");
        _b.TakeOver();
        foreach (var table in new[] { _b, c })
        {
            Assert.That(Lock(table, OnB, 5, 1, LockMode.Shared).Conflict?.Owner, Is.EqualTo(OnA), "kept for its owner");
            Assert.That(table.Test(F, OnB, new LockRange(0, 1), LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied));
            Assert.That(table.Share(F, OnB, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Denied));
            Assert.That(Lock(table, OnB, 10, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "what does not conflict is granted as usual");
            table.Unlock(F, OnB, new LockRange(10, 10));
        }

        EndGrace(_a.ServerId);
        c.Renew();

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "not reclaimed within the grace: dropped");
        Assert.That(_b.Share(F, OnB, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{_a.ServerId}'"), Is.Zero);
        c.Dispose();
    }

    [Test]
    public void A_blocking_request_waiting_for_a_dead_servers_lock_is_granted_when_the_grace_ends()
    {
        var granted = new List<LockGrant>();
        _b.GrantedLater = grants => { lock (granted) granted.AddRange(grants); };
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Expire(_a);
        _b.TakeOver();
        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive, block: true).Status, Is.EqualTo(LockStatus.Blocked));

        EndGrace(_a.ServerId);
        _b.Poll();

        Assert.That(granted.Select(g => g.Owner), Is.EqualTo(new[] { OnB }));
    }

    [Test]
    public void A_reclaim_through_another_server_adopts_the_kept_lock_until_its_owner_unlocks()
    {
        Lock(_a, OnA, 0, 100, LockMode.Exclusive);
        Expire(_a);
        _b.TakeOver();

        Assert.That(Reclaim(_b, OnB, 0, 10).Status, Is.EqualTo(LockStatus.NotInGrace), "nothing was kept for this owner");
        Assert.That(Reclaim(_b, OnA, 0, 100).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Reclaim(_b, OnA, 0, 100).Status, Is.EqualTo(LockStatus.Granted), "a second notice's reclaim of what it holds");
        Assert.That(Count($"SELECT count(*) FROM held_locks WHERE server_id = '{_a.ServerId}'"), Is.Zero, "adopted: no longer the dead server's");
        Assert.That(Lock(_a, OnB, 50, 1, LockMode.Shared).Conflict?.Owner, Is.EqualTo(OnA), "B holds it now, published");

        _b.Unlock(F, OnA, new LockRange(0, 100));

        Assert.That(Lock(_b, OnB, 0, 100, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "free once its owner unlocked");
    }

    [Test]
    public void A_reclaim_of_part_of_a_kept_range_leaves_the_rest_kept()
    {
        Lock(_a, OnA, 0, 0, LockMode.Exclusive);
        Expire(_a);
        _b.TakeOver();

        Assert.That(Reclaim(_b, OnA, 10, 10).Status, Is.EqualTo(LockStatus.Granted));
        _b.Unlock(F, OnA, new LockRange(10, 10));

        Assert.That(Lock(_b, OnB, 10, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "the reclaimed part, unlocked");
        Assert.That(Lock(_b, Owner("host-c"), 9, 1, LockMode.Exclusive).Conflict?.Owner, Is.EqualTo(OnA), "the part before it is still kept");
        Assert.That(Lock(_b, Owner("host-c"), 1_000_000, 1, LockMode.Exclusive).Conflict?.Owner, Is.EqualTo(OnA), "and the part after it, to the end of the file");
        Assert.That(Reclaim(_b, OnA, 20, 0).Status, Is.EqualTo(LockStatus.Granted), "its owner reclaims the rest");
    }

    [Test]
    public void A_reclaimed_share_reservation_is_adopted()
    {
        _a.Share(F, OnA, ShareAccess.Both, ShareDeny.Write);
        Expire(_a);
        _b.TakeOver();

        Assert.That(_b.Share(F, OnB, ShareAccess.Read, ShareDeny.None, reclaim: true).Status, Is.EqualTo(LockStatus.NotInGrace), "nothing kept for this owner");
        Assert.That(_b.Share(F, OnA, ShareAccess.Both, ShareDeny.Write, reclaim: true).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(_b.Unshare(F, OnA).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(_b.Share(F, OnB, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void A_dead_servers_NFSv4_locks_are_kept_but_never_adopted()
    {
        var owner = new LockOwner(LockClient.Nfs4(0x0000000100000001), "lock-owner"u8);
        _a.Lock(new LockRequest(F, owner, new LockRange(0, 10), LockMode.Exclusive));
        Expire(_a);
        _b.TakeOver();

        Assert.That(_b.Lock(new LockRequest(F, owner, new LockRange(0, 10), LockMode.Exclusive, Reclaim: true)).Status, Is.EqualTo(LockStatus.NotInGrace));
        Assert.That(_b.Lock(new LockRequest(F, owner, new LockRange(0, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Denied));
    }

    private static LockResult Reclaim(ILockTable table, LockOwner owner, ulong offset, ulong length) =>
        table.Lock(new LockRequest(F, owner, new LockRange(offset, length), LockMode.Exclusive, Reclaim: true));

    private static List<LockTakeover> Collect(PostgresLockTable table)
    {
        var takeovers = new List<LockTakeover>();
        table.TookOver = takeover => { lock (takeovers) takeovers.Add(takeover); };
        return takeovers;
    }

    /// <summary>As if the server had died: its lease lapsed a second ago.</summary>
    private void Expire(PostgresLockTable table) =>
        Execute($"UPDATE lock_servers SET expires_at = clock_timestamp() - interval '1 second' WHERE server_id = '{table.ServerId}'");

    /// <summary>As if a taken-over server's grace had passed.</summary>
    private void EndGrace(Guid server) =>
        Execute($"UPDATE lock_servers SET grace_until = clock_timestamp() - interval '1 second' WHERE server_id = '{server}'");

    [Test]
    public void A_renewal_extends_the_lease()
    {
        var before = Count($"SELECT (extract(epoch FROM expires_at) * 1000)::bigint FROM lock_servers WHERE server_id = '{_a.ServerId}'");
        Thread.Sleep(20);

        _a.Renew();

        Assert.That(Count($"SELECT (extract(epoch FROM expires_at) * 1000)::bigint FROM lock_servers WHERE server_id = '{_a.ServerId}'"), Is.GreaterThan(before));
    }

    [Test]
    public void Servers_racing_for_one_range_never_both_get_it()
    {
        for (int round = 0; round < 50; round++)
        {
            var range = new LockRange((ulong)round * 100, 10);
            using var start = new Barrier(2);
            var throughA = Task.Run(() => { start.SignalAndWait(); return _a.Lock(new LockRequest(F, OnA, range, LockMode.Exclusive)).Status; });
            var throughB = Task.Run(() => { start.SignalAndWait(); return _b.Lock(new LockRequest(F, OnB, range, LockMode.Exclusive)).Status; });
            Assert.That(new[] { throughA.Result, throughB.Result }, Is.EquivalentTo(new[] { LockStatus.Granted, LockStatus.Denied }), $"round {round}");
        }
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private long Count(string sql) => Convert.ToInt64(Scalar<object>(sql));

    private T Scalar<T>(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }
}
