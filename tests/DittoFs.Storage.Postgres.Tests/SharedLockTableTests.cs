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
        _a = _storeA.CreateLockTable("/export", new MemoryLockTable(), Lease);
        _b = _storeB.CreateLockTable("/export", new MemoryLockTable(), Lease);
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
    public void A_stopped_server_holds_nothing_at_once()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);

        _a.Dispose();

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void A_server_whose_lease_lapsed_holds_nothing_and_publishes_again_when_it_renews()
    {
        Lock(_a, OnA, 0, 10, LockMode.Exclusive);
        Lock(_a, Owner("host-c"), 20, 10, LockMode.Exclusive);
        Execute($"UPDATE lock_servers SET expires_at = clock_timestamp() - interval '1 second' WHERE server_id = '{_a.ServerId}'");

        Assert.That(Lock(_b, OnB, 0, 10, LockMode.Exclusive).Status, Is.EqualTo(LockStatus.Granted), "A's lease lapsed: its locks do not count");
        _b.Renew();
        Assert.That(Count($"SELECT count(*) FROM lock_servers WHERE server_id = '{_a.ServerId}'"), Is.Zero, "B's renewal deleted A's row and its locks");
        var lapsed = _a.ServerId;

        _a.Renew();

        Assert.That(_a.ServerId, Is.Not.EqualTo(lapsed), "A registered again");
        Assert.That(Lock(_b, OnB, 25, 1, LockMode.Shared).Status, Is.EqualTo(LockStatus.Denied), "A's locks count again");
    }

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

    private long Count(string sql)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
