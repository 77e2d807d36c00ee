using DittoFs.Vfs.Locks;

namespace DittoFs.Vfs.Tests.Locks;

/// <summary>
/// What must hold of a lock table after every change, checked on its own state while it is still locked
/// (<see cref="MemoryLockTable.AfterChangeForTests"/>): no two conflicting locks (or share reservations) of
/// different owners, each owner's
/// ranges disjoint and merged, no queued request that the fairness rule would let through (a missed wake-up), every
/// grant actually held, counters that match the state.
/// </summary>
internal static class LockInvariants
{
    /// <summary>A table whose every change is checked; violations are collected in <paramref name="violations"/>.</summary>
    public static MemoryLockTable Checked(List<string> violations, LockTableOptions? options = null, LockGracePeriod? grace = null)
    {
        var table = new MemoryLockTable(options, grace);
        table.AfterChangeForTests = (snapshot, grants) =>
        {
            foreach (var violation in Violations(snapshot, grants))
            {
                violations.Add(violation);
            }
        };
        return table;
    }

    public static IEnumerable<string> Violations(LockTableSnapshot state, IReadOnlyList<LockGrant> grants)
    {
        if (state.HeldRangesCounter != state.Held.Count)
        {
            yield return $"HeldRanges says {state.HeldRangesCounter}, the table holds {state.Held.Count}";
        }

        if (state.WaitersCounter != state.Queued.Count)
        {
            yield return $"Waiters says {state.WaitersCounter}, the queues hold {state.Queued.Count}";
        }

        if (state.SharesCounter != state.Shares.Count)
        {
            yield return $"ShareReservations says {state.SharesCounter}, the table holds {state.Shares.Count}";
        }

        var files = state.Held.Select(h => h.File).Concat(state.Queued.Select(q => q.File)).Concat(state.Shares.Select(s => s.File)).Distinct().Count();
        if (files != state.Files)
        {
            yield return $"{state.Files} file entries, {files} with anything in them";
        }

        var heldFiles = state.Held.GroupBy(h => h.Owner).ToDictionary(g => g.Key, g => g.Select(h => h.File).Distinct().Count());
        if (!SameCounts(heldFiles, state.HeldFilesByOwner))
        {
            yield return "the files each owner holds locks on are miscounted";
        }

        var queuedByOwner = state.Queued.GroupBy(q => q.Owner).ToDictionary(g => g.Key, g => g.Count());
        if (!SameCounts(queuedByOwner, state.QueuedByOwner))
        {
            yield return "the requests each owner has queued are miscounted";
        }

        foreach (var file in state.Shares.ToLookup(s => s.File))
        {
            var reservations = file.Select(s => s.Reservation).ToArray();
            for (var i = 0; i < reservations.Length; i++)
            {
                for (var j = i + 1; j < reservations.Length; j++)
                {
                    var (a, b) = (reservations[i], reservations[j]);
                    if (a.Owner.Equals(b.Owner))
                    {
                        yield return $"{file.Key}: {a.Owner} has two reservations";
                    }
                    else if ((((int)a.Access & (int)b.Deny) | ((int)a.Deny & (int)b.Access)) != 0) // not the table's own rule
                    {
                        yield return $"{file.Key}: reservations {a} and {b} held at once";
                    }
                }
            }
        }

        var heldByFile = state.Held.ToLookup(h => h.File);
        foreach (var file in heldByFile)
        {
            var held = file.OrderBy(h => h.Range.Offset).ToArray();
            for (var i = 0; i < held.Length; i++)
            {
                var a = held[i];
                var (aFirst, aLast) = Bounds(a.Range);
                for (var j = i + 1; j < held.Length; j++)
                {
                    var b = held[j];
                    var (bFirst, bLast) = Bounds(b.Range);
                    if (bFirst > aLast)
                    {
                        // Sorted by offset: past the ranges that begin right after a, nothing touches a any more.
                        if (bFirst != aLast + 1)
                        {
                            break;
                        }

                        if (a.Owner.Equals(b.Owner) && a.Mode == b.Mode)
                        {
                            yield return $"{file.Key}: {a.Owner} holds adjacent {a.Mode} {a.Range} and {b.Range} unmerged";
                        }

                        continue;
                    }

                    if (a.Owner.Equals(b.Owner))
                    {
                        yield return $"{file.Key}: {a.Owner} holds overlapping {a.Range} {a.Mode} and {b.Range} {b.Mode}";
                    }
                    else if (a.Mode == LockMode.Exclusive || b.Mode == LockMode.Exclusive)
                    {
                        yield return $"{file.Key}: {a.Owner} {a.Mode} {a.Range} and {b.Owner} {b.Mode} {b.Range} held at once";
                    }
                }
            }
        }

        foreach (var file in state.Queued.ToLookup(q => q.File))
        {
            var queue = file.ToArray();
            var held = heldByFile[file.Key].ToArray();
            for (var i = 0; i < queue.Length; i++)
            {
                var w = queue[i];
                var blockedByHeld = held.Any(h => !h.Owner.Equals(w.Owner) && Overlap(h.Range, w.Range) && Conflict(h.Mode, w.Mode));
                var ownerHolds = heldFiles.ContainsKey(w.Owner); // anywhere in the table
                var blockedByEarlier = !ownerHolds && queue.Take(i).Any(e => !e.Owner.Equals(w.Owner) && Overlap(e.Range, w.Range) && Conflict(e.Mode, w.Mode));
                if (!blockedByHeld && !blockedByEarlier)
                {
                    yield return $"{file.Key}: waiter {w.Id} ({w.Owner} {w.Mode} {w.Range}) could be granted but waits";
                }
            }
        }

        var heldByOwner = grants.Count == 0 ? null : state.Held.ToLookup(h => (h.File, h.Owner));
        foreach (var grant in grants)
        {
            var (first, last) = Bounds(grant.Range);
            var covered = first;
            var done = false;
            foreach (var h in heldByOwner![(grant.File, grant.Owner)].OrderBy(h => h.Range.Offset))
            {
                var (hFirst, hLast) = Bounds(h.Range);
                if (hFirst <= covered && hLast >= covered)
                {
                    if (hLast >= last)
                    {
                        done = true;
                        break;
                    }

                    covered = hLast + 1;
                }
            }

            if (!done)
            {
                yield return $"{grant.File}: grant {grant.WaiterId} of {grant.Range} to {grant.Owner} is not held";
            }
        }
    }

    private static bool SameCounts(Dictionary<LockOwner, int> expected, IReadOnlyDictionary<LockOwner, int> actual) =>
        expected.Count == actual.Count && expected.All(p => actual.TryGetValue(p.Key, out var n) && n == p.Value);

    public static (ulong First, ulong Last) Bounds(LockRange range) =>
        (range.Offset, range.Length == 0 ? ulong.MaxValue : range.Offset + (range.Length - 1));

    public static bool Overlap(LockRange a, LockRange b)
    {
        var (aFirst, aLast) = Bounds(a);
        var (bFirst, bLast) = Bounds(b);
        return aFirst <= bLast && bFirst <= aLast;
    }

    public static bool Conflict(LockMode a, LockMode b) => a == LockMode.Exclusive || b == LockMode.Exclusive;
}
