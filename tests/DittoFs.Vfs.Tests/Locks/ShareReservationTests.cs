using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>Share reservations (NLM SHARE/UNSHARE, NFSv4 OPEN share_access/share_deny).</summary>
public sealed class ShareReservationTests : LockTableFixture
{
    [TestCase(ShareAccess.Read, ShareDeny.None, ShareAccess.Read, ShareDeny.None, true)]
    [TestCase(ShareAccess.Both, ShareDeny.None, ShareAccess.Both, ShareDeny.None, true)]
    [TestCase(ShareAccess.Read, ShareDeny.Write, ShareAccess.Read, ShareDeny.None, true)]
    [TestCase(ShareAccess.Read, ShareDeny.Write, ShareAccess.Write, ShareDeny.None, false)]
    [TestCase(ShareAccess.Read, ShareDeny.Write, ShareAccess.Read, ShareDeny.Read, false)]
    [TestCase(ShareAccess.Write, ShareDeny.None, ShareAccess.Read, ShareDeny.Write, false)]
    [TestCase(ShareAccess.Read, ShareDeny.None, ShareAccess.Read, ShareDeny.Write, true)]
    [TestCase(ShareAccess.None, ShareDeny.Both, ShareAccess.None, ShareDeny.Both, true)]
    [TestCase(ShareAccess.None, ShareDeny.Both, ShareAccess.Read, ShareDeny.None, false)]
    [TestCase(ShareAccess.Both, ShareDeny.Both, ShareAccess.None, ShareDeny.None, true)]
    public void A_reservation_is_refused_when_either_side_denies_what_the_other_accesses(
        ShareAccess heldAccess, ShareDeny heldDeny, ShareAccess access, ShareDeny deny, bool granted)
    {
        Assert.That(Table.Share(F, A, heldAccess, heldDeny).Status, Is.EqualTo(LockStatus.Granted));

        var result = Table.Share(F, B, access, deny);

        Assert.That(result.Status, Is.EqualTo(granted ? LockStatus.Granted : LockStatus.Denied));
        Assert.That(result.Conflict, Is.EqualTo(granted ? null : new ShareReservation(A, heldAccess, heldDeny)));
        Assert.That(Table.ShareReservations, Is.EqualTo(granted ? 2 : 1));
    }

    [Test]
    public void An_owners_new_reservation_replaces_its_own_and_is_checked_against_the_others_only()
    {
        Table.Share(F, A, ShareAccess.Read, ShareDeny.Both);
        Assert.That(Table.Share(F, A, ShareAccess.Both, ShareDeny.Both).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Share(F, B, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.Denied));

        Assert.That(Table.Share(F, A, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted), "a downgrade");

        Assert.That(Table.Share(F, B, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Share(F, A, ShareAccess.Read, ShareDeny.Read).Status, Is.EqualTo(LockStatus.Denied), "B reads now");
        Assert.That(Table.ShareReservations, Is.EqualTo(2));
    }

    [Test]
    public void Unshare_removes_the_reservation_and_is_granted_when_there_is_none()
    {
        Table.Share(F, A, ShareAccess.Both, ShareDeny.Both);

        Assert.That(Table.Unshare(F, A).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Unshare(F, A).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Unshare(G, B).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Table.Share(F, B, ShareAccess.Both, ShareDeny.Both).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That((Table.ShareReservations, Table.Files), Is.EqualTo((1, 1)));
    }

    [Test]
    public void Releasing_a_client_removes_its_reservations_on_every_file()
    {
        var host = LockClient.Nlm("host-a");
        Table.Share(F, new LockOwner(host, "oh1"u8), ShareAccess.Read, ShareDeny.Write);
        Table.Share(G, new LockOwner(host, "oh2"u8), ShareAccess.Write, ShareDeny.Both);
        Table.Share(F, B, ShareAccess.Read, ShareDeny.None);

        Assert.That(Table.ReleaseClient(host).Changed, Is.True);

        Assert.That(Table.Share(F, C, ShareAccess.Write, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Share(G, C, ShareAccess.Both, ShareDeny.Both).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.ShareReservations, Is.EqualTo(3));
    }

    [Test]
    public void Reservations_and_byte_range_locks_are_independent()
    {
        Table.Share(F, A, ShareAccess.Both, ShareDeny.Both);

        Assert.That(TryLock(B, 0, 0, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Share(F, C, ShareAccess.None, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));
    }
}

/// <summary>The grace period after a restart: reclaims only, on an injected clock.</summary>
public sealed class GracePeriodTests : LockTableFixture
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private LockGracePeriod _grace = null!;

    protected override LockGracePeriod Grace => _grace ??= new LockGracePeriod(_clock);

    [SetUp]
    public void BeginGrace() => _grace.Begin(TimeSpan.FromSeconds(90));

    [Test]
    public void During_grace_reclaims_are_granted_and_everything_else_is_refused()
    {
        Assert.That(_grace.IsActive, Is.True);
        Assert.That(_grace.EndsAt, Is.EqualTo(_clock.Now.AddSeconds(90)));

        Assert.That(Table.Lock(new LockRequest(F, A, new LockRange(0, 10), Exclusive, Reclaim: true)).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Share(F, A, ShareAccess.Read, ShareDeny.Write, reclaim: true).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(TryLock(B, 100, 10, Exclusive), Is.EqualTo(LockStatus.InGrace));
        Assert.That(Lock(B, 100, 10, Exclusive, block: true).Status, Is.EqualTo(LockStatus.InGrace), "not queued either");
        Assert.That(Table.Test(F, B, new LockRange(100, 10), Exclusive).Status, Is.EqualTo(LockStatus.InGrace));
        Assert.That(Table.Share(F, B, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.InGrace));
        Assert.That(Table.Waiters, Is.Zero);
    }

    [Test]
    public void A_reclaim_that_conflicts_with_an_earlier_reclaim_is_denied()
    {
        Table.Lock(new LockRequest(F, A, new LockRange(0, 10), Exclusive, Reclaim: true));

        var conflicting = Table.Lock(new LockRequest(F, B, new LockRange(5, 10), Shared, Reclaim: true));

        Assert.That((conflicting.Status, conflicting.Conflict?.Owner), Is.EqualTo((LockStatus.Denied, A)));
    }

    [Test]
    public void Unlocks_and_releases_work_during_grace()
    {
        Table.Lock(new LockRequest(F, A, new LockRange(0, 10), Exclusive, Reclaim: true));

        Assert.That(Unlock(A, 0, 5).Changed, Is.True);
        Assert.That(Table.ReleaseClient(A.Client).Changed, Is.True);
        Assert.That(Table.Files, Is.Zero);
    }

    [Test]
    public void After_the_end_new_requests_are_granted_and_reclaims_refused()
    {
        _clock.Now = _clock.Now.AddSeconds(89);
        Assert.That(TryLock(B, 0, 10, Exclusive), Is.EqualTo(LockStatus.InGrace));

        _clock.Now = _clock.Now.AddSeconds(1);

        Assert.That(_grace.IsActive, Is.False);
        Assert.That(TryLock(B, 0, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(Table.Test(F, C, new LockRange(0, 10), Shared).Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(Table.Lock(new LockRequest(F, A, new LockRange(100, 10), Exclusive, Reclaim: true)).Status, Is.EqualTo(LockStatus.NotInGrace));
        Assert.That(Table.Share(F, A, ShareAccess.Read, ShareDeny.None, reclaim: true).Status, Is.EqualTo(LockStatus.NotInGrace));
    }

    [Test]
    public void Grace_can_end_early()
    {
        _grace.End();

        Assert.That(_grace.IsActive, Is.False);
        Assert.That(TryLock(B, 0, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void A_table_without_a_grace_period_is_never_in_grace_and_refuses_reclaims()
    {
        var table = new MemoryLockTable();

        Assert.That(table.Lock(new LockRequest(F, A, new LockRange(0, 10), Exclusive)).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(table.Lock(new LockRequest(F, B, new LockRange(20, 10), Exclusive, Reclaim: true)).Status, Is.EqualTo(LockStatus.NotInGrace));
    }

    [Test]
    public void A_grace_period_never_begun_is_not_active()
    {
        var grace = new LockGracePeriod(_clock);

        Assert.That((grace.IsActive, grace.EndsAt), Is.EqualTo((false, (DateTimeOffset?)null)));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
