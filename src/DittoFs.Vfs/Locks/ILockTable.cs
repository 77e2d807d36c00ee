namespace DittoFs.Vfs.Locks;

/// <summary>
/// The byte-range locks and share reservations of one share, for every protocol that locks (NLM for NFSv3, NFSv4).
/// Protocol-neutral: owners are opaque (<see cref="LockOwner"/>), files are ids (<see cref="FileLockKey"/>), and
/// every answer is a <see cref="LockStatus"/> the adapter maps to its wire.
/// <para>
/// Semantics are POSIX fcntl's: shared and exclusive locks on 64-bit ranges (length 0 to the end); locks of one
/// owner never conflict with each other; a new lock of an owner replaces what the owner held in its range (an
/// upgrade or downgrade in place), merges with the owner's overlapping and adjacent ranges of the same mode, and an
/// unlock of part of a range leaves the parts around it.
/// </para>
/// <para>
/// Fairness: each file has one queue of blocked requests, in arrival order. A queued request is granted as soon as
/// (a) no lock of another owner conflicts with it and (b) no request queued before it by another owner conflicts
/// with it; requests that are not in each other's way are independent, so a waiter never waits for an unrelated
/// earlier waiter. Rule (b) also holds for new requests, blocking or not: a newcomer does not pass a conflicting
/// waiter, so a stream of new shared lockers cannot starve a queued exclusive request. Exception: an owner that
/// already holds a lock anywhere in the table passes queued requests (only rule (a) applies to it), because a
/// waiter may be waiting, directly or through others, for exactly that owner, which must be able to take the
/// locks it needs to reach its unlock. With that exception the queue adds no deadlock POSIX would not have (as
/// long as an owner waits for one request at a time): a wait that rule (b) adds points from an owner holding
/// nothing to one that queued earlier, so it cannot close a cycle. The price: owners that keep holding some lock
/// can keep re-taking a range a waiter wants; owners that hold nothing cannot.
/// </para>
/// <para>
/// Every call that can free a range (lock, unlock, cancel, release) grants the queued requests it unblocked and
/// returns them as <c>Woken</c>; the adapter tells those clients after the call returned (nothing is sent while the
/// table is locked). A grant the client refuses is undone by the adapter with <see cref="Unlock"/>.
/// </para>
/// <para>
/// This is the seam for state shared by several servers (a PostgreSQL-backed table): the contract is this
/// interface, and nothing in it needs one process's memory except a grant's <see cref="LockRequest.Context"/>, which
/// stays with the server that queued the request.
/// </para>
/// </summary>
public interface ILockTable
{
    /// <summary>Byte ranges held, over all files and owners (after merging).</summary>
    int HeldRanges { get; }

    /// <summary>Blocked requests waiting in the queues.</summary>
    int Waiters { get; }

    /// <summary>Share reservations held.</summary>
    int ShareReservations { get; }

    /// <summary>Files with any lock, waiter or reservation.</summary>
    int Files { get; }

    /// <summary>Whether <paramref name="owner"/> could take <paramref name="range"/> in <paramref name="mode"/> now:
    /// <see cref="LockStatus.Granted"/>, or <see cref="LockStatus.Denied"/> with the conflicting held lock of the
    /// lowest offset (NLM TEST, NFSv4 LOCKT). <see cref="LockStatus.InGrace"/> during the grace period.</summary>
    LockTestResult Test(FileLockKey file, LockOwner owner, LockRange range, LockMode mode);

    /// <summary>Takes a lock: granted at once, denied, or (when <see cref="LockRequest.Block"/>) queued. A blocking
    /// request identical to one the owner already has queued (a retransmission) answers Blocked with the same id.</summary>
    LockResult Lock(in LockRequest request);

    /// <summary>Removes the owner's queued request for exactly this range and mode (NLM CANCEL).
    /// <see cref="UnlockResult.Changed"/> is false when there was none (it may have been granted already).</summary>
    UnlockResult Cancel(FileLockKey file, LockOwner owner, LockRange range, LockMode mode);

    /// <summary>Unlocks the owner's locks within <paramref name="range"/>, splitting a range that goes past it. An
    /// unknown owner or an unlocked range changes nothing and answers Granted.</summary>
    UnlockResult Unlock(FileLockKey file, LockOwner owner, LockRange range);

    /// <summary>Unlocks everything the owner holds on the file and removes its queued requests there.</summary>
    UnlockResult UnlockOwner(FileLockKey file, LockOwner owner);

    /// <summary>Removes every lock, queued request and share reservation of <paramref name="client"/> on every file
    /// (NSM reboot notice, NLM FREE_ALL, NFSv4 lease expiry).</summary>
    UnlockResult ReleaseClient(LockClient client);

    /// <summary>Whether <paramref name="owner"/> holds a lock on any file of the table (NFSv4 RELEASE_LOCKOWNER refuses then).</summary>
    bool HoldsLocks(LockOwner owner);

    /// <summary>The clients that hold a lock, have a request queued or hold a share reservation on any file now
    /// (a snapshot): the lock manager stops watching hosts that are not among them when its watch list is full.</summary>
    IReadOnlySet<LockClient> ClientsWithState();

    /// <summary>Sets the owner's share reservation on the file (replacing its previous one) unless it conflicts
    /// with another owner's (NLM SHARE, NFSv4 OPEN). Reclaims only during the grace period, others only after.</summary>
    ShareResult Share(FileLockKey file, LockOwner owner, ShareAccess access, ShareDeny deny, bool reclaim = false);

    /// <summary>Removes the owner's share reservation on the file, if any (NLM UNSHARE, NFSv4 CLOSE).</summary>
    ShareResult Unshare(FileLockKey file, LockOwner owner);
}
