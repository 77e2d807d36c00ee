using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>POSIX byte-range semantics: conflicts, same-owner merge/split/upgrade/downgrade, 64-bit ranges, TEST.</summary>
public sealed class ByteRangeLockTests : LockTableFixture
{
    [Test]
    public void Exclusive_conflicts_with_any_lock_of_another_owner_shared_locks_coexist()
    {
        Assert.That(TryLock(A, 0, 100, Shared), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(B, 50, 100, Shared), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(C, 99, 1, Exclusive), Is.EqualTo(LockStatus.Denied));

        Assert.That(TryLock(C, 200, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(A, 205, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(A, 205, 1, Exclusive), Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void A_denied_lock_names_the_conflicting_holder_and_changes_nothing()
    {
        Lock(A, 10, 10, Exclusive);

        var denied = Lock(B, 0, 15, Shared);

        Assert.That(denied.Status, Is.EqualTo(LockStatus.Denied));
        Assert.That(denied.Conflict, Is.EqualTo(new LockConflict(A, new LockRange(10, 10), Exclusive)));
        Assert.That(HeldBy(B), Is.Empty);
        Assert.That(Table.HeldRanges, Is.EqualTo(1));
    }

    [Test]
    public void Adjacent_ranges_do_not_conflict_overlapping_by_one_byte_do()
    {
        Lock(A, 10, 10, Exclusive); // bytes 10..19

        Assert.That(TryLock(B, 20, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(C, 0, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(D, 19, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(D, 9, 2, Shared), Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void Locks_of_one_owner_never_conflict_and_merge()
    {
        Assert.That(TryLock(A, 0, 10, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(A, 5, 10, Exclusive), Is.EqualTo(LockStatus.Granted));

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 15, Exclusive) }));
    }

    [Test]
    public void Adjacent_ranges_of_one_owner_and_mode_merge_of_different_modes_stay_apart()
    {
        Lock(A, 0, 10, Shared);
        Lock(A, 10, 10, Shared);
        Lock(A, 20, 10, Exclusive);
        Lock(A, 40, 10, Shared);

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 20, Shared), Held(20, 10, Exclusive), Held(40, 10, Shared) }));
        Assert.That(Table.HeldRanges, Is.EqualTo(3));
    }

    [Test]
    public void A_lock_over_several_ranges_of_the_owner_makes_one()
    {
        Lock(A, 0, 10, Shared);
        Lock(A, 20, 10, Shared);
        Lock(A, 40, 10, Shared);

        Lock(A, 5, 40, Shared);

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 50, Shared) }));
    }

    [Test]
    public void An_upgrade_in_the_middle_splits_the_shared_range_around_it()
    {
        Lock(A, 0, 100, Shared);

        Assert.That(TryLock(A, 40, 20, Exclusive), Is.EqualTo(LockStatus.Granted));

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 40, Shared), Held(40, 20, Exclusive), Held(60, 40, Shared) }));
        Assert.That(TryLock(B, 50, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(B, 10, 1, Shared), Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void An_upgrade_is_denied_while_another_owner_shares_the_range()
    {
        Lock(A, 0, 100, Shared);
        Lock(B, 90, 20, Shared);

        Assert.That(TryLock(A, 0, 100, Exclusive), Is.EqualTo(LockStatus.Denied));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 100, Shared) }));
    }

    [Test]
    public void A_downgrade_in_place_lets_other_readers_in_and_still_keeps_writers_out()
    {
        Lock(A, 0, 100, Exclusive);
        Assert.That(TryLock(B, 0, 10, Shared), Is.EqualTo(LockStatus.Denied));

        Assert.That(TryLock(A, 0, 100, Shared), Is.EqualTo(LockStatus.Granted));

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 100, Shared) }));
        Assert.That(TryLock(B, 0, 10, Shared), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(C, 50, 10, Exclusive), Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void A_partial_unlock_splits_a_range_in_two()
    {
        Lock(A, 0, 100, Exclusive);

        var unlocked = Unlock(A, 40, 20);

        Assert.That((unlocked.Status, unlocked.Changed), Is.EqualTo((LockStatus.Granted, true)));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 40, Exclusive), Held(60, 40, Exclusive) }));
        Assert.That(TryLock(B, 40, 20, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(C, 39, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(C, 60, 1, Shared), Is.EqualTo(LockStatus.Denied));
    }

    [Test]
    public void An_unlock_over_several_ranges_trims_both_ends()
    {
        Lock(A, 0, 10, Shared);
        Lock(A, 10, 10, Exclusive);
        Lock(A, 30, 10, Shared);

        Unlock(A, 5, 30);

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 5, Shared), Held(35, 5, Shared) }));
    }

    [Test]
    public void An_unlock_of_an_unknown_owner_or_range_answers_granted_and_changes_nothing()
    {
        Lock(A, 0, 10, Exclusive);
        var before = Table.Snapshot();

        var unknownOwner = Unlock(B, 0, 10);
        var unlockedRange = Unlock(A, 10, 10);
        var otherFile = Unlock(A, 0, 10, file: G);

        foreach (var result in new[] { unknownOwner, unlockedRange, otherFile })
        {
            Assert.That((result.Status, result.Changed, result.Woken.Count), Is.EqualTo((LockStatus.Granted, false, 0)));
        }

        Assert.That(Table.Snapshot().Held, Is.EqualTo(before.Held));
        Assert.That(Table.Files, Is.EqualTo(1));
    }

    [Test]
    public void Length_zero_locks_to_the_end_of_the_file_and_beyond()
    {
        Lock(A, 1000, 0, Exclusive);

        Assert.That(TryLock(B, ulong.MaxValue - 1, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(B, 1_000_000_000_000, 1, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(B, 0, 1000, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(1000, 0, Exclusive) }));
    }

    [Test]
    public void Unlocking_to_the_end_leaves_the_start_of_a_lock_to_the_end()
    {
        Lock(A, 0, 0, Exclusive);

        Unlock(A, 50, 0);

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 50, Exclusive) }));
        Assert.That(TryLock(B, ulong.MaxValue, 1, Exclusive), Is.EqualTo(LockStatus.Granted));
    }

    [Test]
    public void The_last_byte_of_the_64_bit_space_can_be_locked()
    {
        Assert.That(TryLock(A, ulong.MaxValue, 1, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(B, ulong.MaxValue - 1, 1, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(C, ulong.MaxValue, 0, Shared), Is.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(C, 0, ulong.MaxValue, Shared), Is.EqualTo(LockStatus.Denied), "0 + (2^64 - 1) ends at the last byte but one");
        Assert.That(TryLock(C, 0, ulong.MaxValue - 1, Shared), Is.EqualTo(LockStatus.Granted));
        // A range that ends at the last byte is the range to the end, and is reported so.
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(ulong.MaxValue, 0, Exclusive) }));
    }

    [Test]
    public void Adjacent_ranges_at_the_top_of_the_64_bit_space_merge_without_overflow()
    {
        Lock(A, ulong.MaxValue - 9, 5, Shared);
        Lock(A, ulong.MaxValue - 4, 5, Shared);
        Lock(A, 0, 1, Shared);

        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 1, Shared), Held(ulong.MaxValue - 9, 0, Shared) }));
    }

    [TestCase(ulong.MaxValue, 2UL)]
    [TestCase(2UL, ulong.MaxValue)]
    [TestCase(ulong.MaxValue / 2 + 1, ulong.MaxValue / 2 + 2)]
    public void A_range_past_64_bits_is_refused_by_every_call(ulong offset, ulong length)
    {
        var range = new LockRange(offset, length);
        Lock(A, 0, 0, Shared);

        Assert.That(range.IsValid, Is.False);
        Assert.That(Table.Lock(new LockRequest(F, B, range, Shared)).Status, Is.EqualTo(LockStatus.InvalidRange));
        Assert.That(Table.Lock(new LockRequest(F, B, range, Exclusive, Block: true)).Status, Is.EqualTo(LockStatus.InvalidRange));
        Assert.That(Table.Test(F, B, range, Exclusive).Status, Is.EqualTo(LockStatus.InvalidRange));
        Assert.That(Table.Unlock(F, A, range).Status, Is.EqualTo(LockStatus.InvalidRange));
        Assert.That(Table.Cancel(F, A, range, Shared).Status, Is.EqualTo(LockStatus.InvalidRange));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 0, Shared) }));
        Assert.That(Table.Waiters, Is.Zero);
    }

    [TestCase(1UL, ulong.MaxValue)]
    [TestCase(ulong.MaxValue, 1UL)]
    [TestCase(ulong.MaxValue, 0UL)]
    [TestCase(0UL, 0UL)]
    public void A_range_that_ends_on_the_last_byte_is_valid_and_reaches_the_end(ulong offset, ulong length)
    {
        var range = new LockRange(offset, length);

        Assert.That((range.IsValid, range.ToEnd), Is.EqualTo((true, true)));
    }

    [Test]
    public void Test_reports_the_conflicting_holder_of_the_lowest_offset()
    {
        Assert.That(TryLock(C, 50, 10, Shared), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(A, 100, 0, Exclusive), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(B, 20, 10, Shared), Is.EqualTo(LockStatus.Granted));

        var exclusive = Table.Test(F, D, new LockRange(0, 0), Exclusive);
        var shared = Table.Test(F, D, new LockRange(0, 0), Shared);

        Assert.That(exclusive, Is.EqualTo(new LockTestResult(LockStatus.Denied, new LockConflict(B, new LockRange(20, 10), Shared))));
        Assert.That(shared, Is.EqualTo(new LockTestResult(LockStatus.Denied, new LockConflict(A, new LockRange(100, 0), Exclusive))));
    }

    [Test]
    public void Test_finds_no_conflict_with_the_owners_own_locks_or_outside_them()
    {
        Lock(A, 0, 10, Exclusive);

        Assert.That(Table.Test(F, A, new LockRange(0, 0), Exclusive), Is.EqualTo(new LockTestResult(LockStatus.Granted)));
        Assert.That(Table.Test(F, B, new LockRange(10, 0), Exclusive), Is.EqualTo(new LockTestResult(LockStatus.Granted)));
        Assert.That(Table.Test(G, B, new LockRange(0, 0), Exclusive), Is.EqualTo(new LockTestResult(LockStatus.Granted)));
        Assert.That(Table.Files, Is.EqualTo(1), "a test on a file with no locks leaves no entry");
    }

    [Test]
    public void Files_are_independent()
    {
        Lock(A, 0, 0, Exclusive);

        Assert.That(TryLock(B, 0, 0, Exclusive, file: G), Is.EqualTo(LockStatus.Granted));
        Assert.That(TryLock(B, 0, 0, Exclusive, file: new FileLockKey(F.FileId, F.Generation + 1)), Is.EqualTo(LockStatus.Granted), "another generation is another file");
    }

    [Test]
    public void Repeated_lock_and_unlock_does_not_grow_the_table()
    {
        for (ulong i = 0; i < 10_000; i++)
        {
            Lock(A, i * 10, 10, Exclusive);
            Lock(B, i * 10, 5, Shared, file: G);
            Unlock(B, i * 10, 5, file: G);
        }

        Assert.That((Table.HeldRanges, Table.Files), Is.EqualTo((1, 1)));
        Assert.That(HeldBy(A), Is.EqualTo(new[] { Held(0, 100_000, Exclusive) }));

        Table.UnlockOwner(F, A);
        Assert.That((Table.HeldRanges, Table.Files), Is.EqualTo((0, 0)));
    }

    [Test]
    public void Owners_are_told_apart_by_client_number_and_handle()
    {
        var host = LockClient.Nlm("host");
        var owners = new[]
        {
            new LockOwner(host, 1, "oh"u8),
            new LockOwner(host, 2, "oh"u8),
            new LockOwner(host, 1, "other"u8),
            new LockOwner(LockClient.Nlm("other-host"), 1, "oh"u8),
        };

        Assert.That(Lock(owners[0], 0, 10, Exclusive).Status, Is.EqualTo(LockStatus.Granted));
        Assert.That(owners.Skip(1).Select(o => TryLock(o, 0, 10, Shared)), Is.All.EqualTo(LockStatus.Denied));
        Assert.That(TryLock(new LockOwner(LockClient.Nlm("host"), 1, "oh"u8), 5, 1, Exclusive), Is.EqualTo(LockStatus.Granted), "equal bytes are the same owner");
        Assert.That(Table.Test(F, owners[1], new LockRange(0, 1), Shared).Conflict?.Owner.Number, Is.EqualTo(1), "the holder's svid, for an NLM TEST reply");
    }

    [Test]
    public void An_nlm_host_and_an_nfs4_client_with_the_same_bytes_are_two_clients()
    {
        var nlm = new LockClient(LockClientKind.Nlm, [0, 0, 0, 0, 0, 0, 0, 7]);
        var nfs4 = LockClient.Nfs4(7);

        Assert.That(nlm, Is.Not.EqualTo(nfs4));
        Assert.That(nfs4, Is.EqualTo(LockClient.Nfs4(7)));
        Assert.That(nfs4.ToString(), Is.EqualTo("nfs4:0000000000000007"));
        Assert.That(new LockOwner(nfs4, "lo"u8).ToString(), Is.EqualTo("nfs4:0000000000000007/0/0x6c6f"));
        Assert.That(LockClient.Nlm("box.example").ToString(), Is.EqualTo("nlm:box.example"));
    }
}
