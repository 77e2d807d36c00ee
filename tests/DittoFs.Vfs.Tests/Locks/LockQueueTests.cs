using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>Blocking requests: queueing, grants on release in fair order, cancel, client release, bounds.</summary>
public sealed class LockQueueTests : LockTableFixture
{
    [Test]
    public void A_blocking_request_that_is_free_is_granted_at_once()
    {
        var result = Lock(A, 0, 10, Exclusive, block: true);

        Assert.That((result.Status, result.WaiterId, Table.Waiters), Is.EqualTo((LockStatus.Granted, 0L, 0)));
    }

    [Test]
    public void A_blocked_request_is_granted_by_the_unlock_that_frees_it_with_its_context()
    {
        Lock(A, 0, 100, Exclusive);
        var context = new object();

        var blocked = Lock(B, 50, 10, Shared, block: true, context: context);
        Assert.That((blocked.Status, blocked.Conflict?.Owner, Table.Waiters), Is.EqualTo((LockStatus.Blocked, A, 1)));
        Assert.That(HeldBy(B), Is.Empty);

        var partial = Unlock(A, 0, 50);
        Assert.That(partial.Woken, Is.Empty, "the request's range is still locked");

        var unlocked = Unlock(A, 50, 50);

        Assert.That(unlocked.Woken, Is.EqualTo(new[] { new LockGrant(blocked.WaiterId, F, B, new LockRange(50, 10), Shared, context) }));
        Assert.That(HeldBy(B), Is.EqualTo(new[] { Held(50, 10, Shared) }));
        Assert.That(Table.Waiters, Is.Zero);
    }

    [Test]
    public void Waiters_for_the_same_range_are_granted_one_at_a_time_in_arrival_order()
    {
        Lock(A, 0, 10, Exclusive);
        var waiters = new[] { B, C, D }.Select(o => (Owner: o, Lock(o, 0, 10, Exclusive, block: true).WaiterId)).ToArray();

        var order = new List<LockOwner>();
        var holder = A;
        for (var i = 0; i < waiters.Length; i++)
        {
            var woken = Unlock(holder, 0, 10).Woken;
            Assert.That(woken, Has.Count.EqualTo(1));
            Assert.That(woken[0].WaiterId, Is.EqualTo(waiters[i].WaiterId));
            holder = woken[0].Owner;
            order.Add(holder);
        }

        Assert.That(order, Is.EqualTo(new[] { B, C, D }));
    }

    [Test]
    public void A_waiter_whose_range_is_freed_is_granted_while_an_earlier_waiter_still_waits()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(D, 100, 10, Exclusive);
        var first = Lock(B, 0, 10, Exclusive, block: true);
        var second = Lock(C, 100, 10, Exclusive, block: true);

        var woken = Unlock(D, 100, 10).Woken;

        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(new[] { second.WaiterId }));
        Assert.That(Table.Snapshot().Queued.Select(q => q.Id), Is.EqualTo(new[] { first.WaiterId }));
    }

    [Test]
    public void Shared_waiters_are_granted_together_and_an_exclusive_one_behind_them_waits()
    {
        Lock(A, 0, 0, Exclusive);
        var readers = new[] { B, C }.Select(o => Lock(o, 0, 10, Shared, block: true).WaiterId).ToArray();
        var writer = Lock(D, 5, 1, Exclusive, block: true).WaiterId;

        var woken = Unlock(A, 0, 0).Woken;

        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(readers));
        Assert.That(Table.Snapshot().Queued.Select(q => q.Id), Is.EqualTo(new[] { writer }));
    }

    [Test]
    public void A_stream_of_new_readers_does_not_starve_a_queued_writer()
    {
        Lock(A, 0, 100, Shared);
        var writer = Lock(B, 0, 100, Exclusive, block: true);
        Assert.That(writer.Status, Is.EqualTo(LockStatus.Blocked));

        // New readers would be compatible with the held shared lock, but not with the writer queued before them.
        var nonBlocking = Lock(C, 10, 10, Shared);
        var blocking = Lock(D, 90, 20, Shared, block: true);
        Assert.That(nonBlocking.Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(nonBlocking.Conflict, Is.EqualTo(new LockConflict(B, new LockRange(0, 100), Exclusive, IsWaiter: true)));
        Assert.That(blocking.Status, Is.EqualTo(LockStatus.Blocked));
        Assert.That(Table.Test(F, C, new LockRange(10, 10), Shared).Status, Is.EqualTo(LockStatus.Granted), "TEST reports held locks only");
        // A reader outside the writer's range is not held back.
        Assert.That(TryLock(C, 100, 10, Shared), Is.EqualTo(LockStatus.Granted));

        var woken = Unlock(A, 0, 100).Woken;
        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(new[] { writer.WaiterId }));

        woken = Unlock(B, 0, 100).Woken;
        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(new[] { blocking.WaiterId }));
    }

    [Test]
    public void An_owner_that_holds_a_lock_on_the_file_passes_queued_requests()
    {
        // Without this, A's extension would wait for B, B for A's unlock, and A's process for its extension.
        Lock(A, 0, 50, Shared);
        var writer = Lock(B, 0, 100, Exclusive, block: true);

        Assert.That(TryLock(A, 50, 50, Shared), Is.EqualTo(LockStatus.Granted));

        Assert.That(Table.UnlockOwner(F, A).Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { writer.WaiterId }));
    }

    [Test]
    public void An_owner_that_holds_a_lock_on_another_file_passes_queued_requests()
    {
        // B holds F and reads G; D waits to write G, which C shares; C waits for B's lock on F. Were B's read of G
        // held back behind D, B would never reach its unlock of F: a deadlock POSIX does not have.
        Lock(B, 0, 10, Exclusive);
        Lock(C, 0, 10, Shared, file: G);
        Lock(D, 0, 10, Exclusive, block: true, file: G);
        Lock(C, 0, 10, Shared, block: true);

        Assert.That(TryLock(B, 0, 10, Shared, file: G), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(A, 0, 10, Shared, file: G), Is.EqualTo(LockStatus.Denied), "an owner holding nothing waits behind D");
    }

    [Test]
    public void A_blocked_upgrade_keeps_the_shared_lock_until_it_is_granted()
    {
        Lock(A, 0, 100, Shared);
        Lock(B, 50, 10, Shared);

        var upgrade = Lock(A, 0, 100, Exclusive, block: true);

        Assert.That(upgrade.Status, Is.EqualTo(LockStatus.Blocked));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 100, Shared) }));
        Assert.That(TryLock(C, 0, 10, Exclusive), Is.EqualTo(LockStatus.Denied));
        Assert.That(Unlock(B, 50, 10).Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { upgrade.WaiterId }));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 100, Exclusive) }));
    }

    [Test]
    public void A_retransmitted_blocking_request_is_queued_once()
    {
        Lock(A, 0, 10, Exclusive);

        var first = Lock(B, 0, 10, Exclusive, block: true);
        var again = Lock(B, 0, 10, Exclusive, block: true);

        Assert.That((again.Status, again.WaiterId), Is.EqualTo((LockStatus.Blocked, first.WaiterId)));
        Assert.That(Table.Waiters, Is.EqualTo(1));
        Assert.That(Unlock(A, 0, 10).Woken, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_downgrade_grants_the_readers_waiting_for_it()
    {
        Lock(A, 0, 100, Exclusive);
        var reader = Lock(B, 0, 10, Shared, block: true);

        var downgrade = Lock(A, 0, 100, Shared);

        Assert.That(downgrade.Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(downgrade.Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { reader.WaiterId }));
    }

    [Test]
    public void A_cancelled_request_is_never_granted()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(B, 0, 10, Shared, block: true);

        var cancelled = Table.Cancel(F, B, new LockRange(0, 10), Shared);

        Assert.That((cancelled.Status, cancelled.Changed, Table.Waiters), Is.EqualTo((LockStatus.Granted, true, 0)));
        Assert.That(Unlock(A, 0, 10).Woken, Is.Empty);
        Assert.That(HeldBy(B), Is.Empty);
        Assert.That(Table.Files, Is.Zero);
    }

    [Test]
    public void A_cancel_that_matches_no_queued_request_changes_nothing()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(B, 0, 10, Shared, block: true);

        var otherMode = Table.Cancel(F, B, new LockRange(0, 10), Exclusive);
        var otherRange = Table.Cancel(F, B, new LockRange(0, 5), Shared);
        var otherOwner = Table.Cancel(F, C, new LockRange(0, 10), Shared);

        Assert.That(new[] { otherMode, otherRange, otherOwner }.Select(r => (r.Status, r.Changed)), Is.All.EqualTo((LockStatus.Granted, false)));
        Assert.That(Table.Waiters, Is.EqualTo(1));
    }

    [Test]
    public void Cancelling_a_queued_writer_grants_the_readers_it_held_back()
    {
        Lock(A, 0, 100, Shared);
        Lock(B, 0, 100, Exclusive, block: true);
        var reader = Lock(C, 0, 10, Shared, block: true);

        var cancelled = Table.Cancel(F, B, new LockRange(0, 100), Exclusive);

        Assert.That(cancelled.Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { reader.WaiterId }));
    }

    [Test]
    public void Unlocking_an_owner_releases_its_locks_and_its_queued_requests_on_that_file()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(A, 20, 10, Shared);
        Lock(A, 0, 10, Exclusive, file: G);
        Lock(C, 100, 10, Exclusive);
        Lock(A, 100, 10, Exclusive, block: true);
        var waiter = Lock(B, 0, 30, Exclusive, block: true);

        var released = Table.UnlockOwner(F, A);

        Assert.That(released.Changed, Is.True);
        Assert.That(released.Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { waiter.WaiterId }));
        Assert.That(HeldBy(A), Is.Empty);
        Assert.That(HeldBy(A, G), Is.EqualTo(new[] { Held(0, 10, Exclusive) }));
        Assert.That(Table.Waiters, Is.Zero);
    }

    [Test]
    public void Releasing_a_rebooted_client_wakes_the_other_clients_waiters()
    {
        var rebooted = LockClient.Nlm("host-a");
        var process1 = new LockOwner(rebooted, 1, "oh"u8);
        var process2 = new LockOwner(rebooted, 2, "oh"u8);
        Lock(process1, 0, 10, Exclusive);
        Lock(process2, 10, 10, Shared);
        Lock(process2, 0, 0, Exclusive, file: G);
        Lock(process1, 0, 10, Exclusive, block: true, file: G); // another process of the same host: a conflict
        Table.Share(F, process1, ShareAccess.Read, ShareDeny.Write);
        var waiterOnF = Lock(B, 0, 20, Exclusive, block: true);
        var waiterOnG = Lock(C, 5, 1, Shared, block: true, file: G);
        Lock(D, 100, 10, Exclusive);

        var released = Table.ReleaseClient(rebooted);

        Assert.That(released.Changed, Is.True);
        Assert.That(released.Woken.Select(g => g.WaiterId), Is.EquivalentTo(new[] { waiterOnF.WaiterId, waiterOnG.WaiterId }));
        var snapshot = Table.Snapshot();
        Assert.That(snapshot.Held.Select(h => h.Owner).Distinct(), Is.EquivalentTo(new[] { B, C, D }));
        Assert.That((Table.Waiters, Table.ShareReservations), Is.EqualTo((0, 0)));

        Assert.That(Table.ReleaseClient(rebooted).Changed, Is.False, "a second notice finds nothing");
    }

    [Test]
    public void The_clients_with_state_are_those_holding_a_lock_a_queued_request_or_a_reservation()
    {
        var E = Owner("host-e");
        Lock(A, 0, 10, Exclusive);
        Lock(B, 0, 10, Exclusive, block: true);
        Table.Share(G, C, ShareAccess.Read, ShareDeny.None);
        Lock(D, 20, 10, Exclusive);
        Unlock(D, 0, 0);
        Lock(E, 5, 1, Shared); // denied: holds nothing

        Assert.That(Table.ClientsWithState(), Is.EquivalentTo(new[] { A.Client, B.Client, C.Client }));
        Table.ReleaseClient(A.Client); // B is granted
        Assert.That(Table.ClientsWithState(), Is.EquivalentTo(new[] { B.Client, C.Client }));
    }

    [Test]
    public void Releasing_every_client_empties_the_table()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(B, 0, 10, Exclusive, block: true);
        Table.Share(G, C, ShareAccess.Both, ShareDeny.None);

        foreach (var owner in new[] { A, B, C })
        {
            Table.ReleaseClient(owner.Client);
        }

        Assert.That((Table.HeldRanges, Table.Waiters, Table.ShareReservations, Table.Files), Is.EqualTo((0, 0, 0, 0)));
    }

    [Test]
    public void Ten_thousand_waiters_are_queued_and_granted_in_order()
    {
        var table = new MemoryLockTable(new LockTableOptions { MaxWaiters = 10_000 });
        table.Lock(new LockRequest(F, A, LockRange.WholeFile, Exclusive));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var results = Enumerable.Range(0, 10_000)
            .Select(i => table.Lock(new LockRequest(F, Owner("client", (uint)i), new LockRange((ulong)i * 4096, 4096), Exclusive, Block: true)))
            .ToArray();
        var ids = results.Select(r => r.WaiterId).ToArray();
        var queuedIn = stopwatch.Elapsed;

        Assert.That(results.Select(r => r.Status), Is.All.EqualTo(LockStatus.Blocked));
        Assert.That(table.Waiters, Is.EqualTo(10_000));
        Assert.That(table.Lock(new LockRequest(F, B, LockRange.WholeFile, Shared, Block: true)).Status, Is.EqualTo(LockStatus.NoResources));

        stopwatch.Restart();
        var woken = table.Unlock(F, A, LockRange.WholeFile).Woken;
        TestContext.Out.WriteLine($"queued in {queuedIn.TotalMilliseconds:F0} ms, granted in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");

        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(ids));
        Assert.That((table.Waiters, table.HeldRanges), Is.EqualTo((0, 10_000)));
        Assert.That(LockInvariants.Violations(table.Snapshot(), woken), Is.Empty);
    }

    [Test]
    public void Thousands_of_waiters_for_one_range_are_served_one_after_another_in_order()
    {
        // Each release visits the whole queue (the cost is waiters x locks on the file), so this drain is quadratic.
        const int Count = 2_000;
        var table = new MemoryLockTable();
        var holder = A;
        table.Lock(new LockRequest(F, holder, new LockRange(0, 1), Exclusive));
        for (var i = 0; i < Count; i++)
        {
            table.Lock(new LockRequest(F, Owner("client", (uint)i), new LockRange(0, 1), Exclusive, Block: true));
        }

        var order = new List<LockOwner>();
        for (var i = 0; i < Count; i++)
        {
            var woken = table.Unlock(F, holder, new LockRange(0, 1)).Woken;
            order.AddRange(woken.Select(g => g.Owner));
            holder = woken.Count == 1 ? woken[0].Owner : A;
        }

        Assert.That(order, Is.EqualTo(Enumerable.Range(0, Count).Select(i => Owner("client", (uint)i))));
        Assert.That((table.Waiters, table.HeldRanges), Is.EqualTo((0, 1)));
    }
}

/// <summary>Past the table's bounds a request answers NoResources and changes nothing.</summary>
public sealed class LockBoundTests : LockTableFixture
{
    protected override LockTableOptions Options => new() { MaxWaiters = 2, MaxHeldRanges = 4, MaxShareReservations = 1 };

    [Test]
    public void Past_the_waiter_bound_a_blocking_request_gets_no_resources()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(B, 0, 10, Exclusive, block: true);
        Lock(C, 0, 10, Exclusive, block: true, file: F);

        var refused = Lock(D, 0, 10, Exclusive, block: true);

        Assert.That((refused.Status, refused.WaiterId, Table.Waiters), Is.EqualTo((LockStatus.NoResources, 0L, 2)));
        Assert.That(Lock(D, 0, 10, Exclusive).Status, Is.EqualTo(LockStatus.Denied), "a non-blocking request is answered as usual");
        Assert.That(Lock(B, 0, 10, Exclusive, block: true).Status, Is.EqualTo(LockStatus.Blocked), "a retransmission needs no room");

        Table.Cancel(F, B, new LockRange(0, 10), Exclusive);
        Assert.That(Lock(D, 0, 10, Exclusive, block: true).Status, Is.EqualTo(LockStatus.Blocked), "room again");
    }

    [Test]
    public void Past_the_held_range_bound_a_lock_or_a_splitting_unlock_gets_no_resources()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(A, 20, 10, Exclusive);
        Lock(B, 0, 10, Exclusive, file: G);
        Lock(B, 20, 10, Shared, file: G);

        Assert.That(TryLock(C, 100, 1, Shared), Is.EqualTo(LockStatus.NoResources));
        Assert.That(Unlock(A, 2, 2).Status, Is.EqualTo(LockStatus.NoResources));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 10, Exclusive), Held(20, 10, Exclusive) }));

        // What does not add a range still works: a merge, an extension, an unlock at an end.
        Assert.That(TryLock(A, 10, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(Unlock(A, 0, 5).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(5, 25, Exclusive) }));
        Assert.That(TryLock(C, 100, 1, Shared), Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void Past_the_share_bound_a_new_reservation_gets_no_resources()
    {
        Assert.That(Table.Share(F, A, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted));

        Assert.That(Table.Share(G, B, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.NoResources));
        Assert.That(Table.Share(F, A, ShareAccess.Both, ShareDeny.None).Status, Is.EqualTo(LockStatus.Granted), "a replacement needs no room");
        Assert.That(Table.Files, Is.EqualTo(1));
    }
}

/// <summary>Grants that let a request queued earlier through, found only by visiting the queue again.</summary>
public sealed class LockQueueRevisitTests : LockTableFixture
{
    [Test]
    public void A_granted_request_that_downgrades_its_owner_admits_an_earlier_reader()
    {
        Lock(A, 0, 10, Exclusive);
        Lock(C, 15, 5, Exclusive);
        var reader = Lock(B, 0, 10, Shared, block: true);        // waits for A's exclusive range
        var downgrade = Lock(A, 0, 20, Shared, block: true);     // A's own request, waits for C

        var woken = Unlock(C, 15, 5).Woken;

        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(new[] { downgrade.WaiterId, reader.WaiterId }));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 20, Shared) }));
    }

    [Test]
    public void An_owners_first_lock_on_another_file_lets_its_queued_request_pass_the_queue()
    {
        Lock(A, 0, 10, Shared);
        Lock(B, 0, 10, Exclusive, block: true);
        var held = Lock(C, 0, 5, Shared, block: true);

        var first = Lock(C, 0, 10, Exclusive, file: G);

        Assert.That(first.Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { held.WaiterId }));
    }

    [Test]
    public void A_grant_that_gives_an_owner_its_first_lock_lets_its_request_on_another_file_pass()
    {
        Lock(A, 0, 10, Shared);
        Lock(B, 0, 10, Exclusive, block: true);
        var onF = Lock(C, 0, 5, Shared, block: true);               // held back by B's request
        Lock(D, 0, 10, Exclusive, file: G);
        var onG = Lock(C, 0, 10, Shared, block: true, file: G);     // waits for D

        var woken = Unlock(D, 0, 10, file: G).Woken;

        Assert.That(woken.Select(g => g.WaiterId), Is.EqualTo(new[] { onG.WaiterId, onF.WaiterId }));
    }

    [Test]
    public void An_owners_first_lock_on_the_file_lets_its_own_queued_request_pass_the_queue()
    {
        Lock(A, 0, 10, Shared);
        Lock(B, 0, 10, Exclusive, block: true);
        var held = Lock(C, 0, 5, Shared, block: true);           // compatible with A, held back by B's request

        var first = Lock(C, 50, 10, Shared);                      // C now holds a lock on the file

        Assert.That(first.Woken.Select(g => g.WaiterId), Is.EqualTo(new[] { held.WaiterId }));
    }
}
