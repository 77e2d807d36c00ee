namespace DittoFs.Vfs.Locks;

/// <summary>The outcome of a lock table call. Every refusal is a status, never an exception.</summary>
public enum LockStatus : byte
{
    /// <summary>Done: the lock or reservation is held, the test found no conflict, the unlock or cancel was applied
    /// (also when there was nothing to unlock or cancel: NLM answers granted).</summary>
    Granted,

    /// <summary>Conflicts with a lock or reservation of another owner (the result names it); nothing changed.</summary>
    Denied,

    /// <summary>A blocking request that conflicts: it waits in the file's queue and is granted later, reported
    /// through the <c>Woken</c> list of the call that frees its range (NLM: LCK_BLOCKED, then NLM_GRANTED).</summary>
    Blocked,

    /// <summary>The range's last byte does not fit in 64 bits; nothing changed.</summary>
    InvalidRange,

    /// <summary>The table is in its grace period and the request is not a reclaim (NLM: denied_grace_period,
    /// NFSv4: NFS4ERR_GRACE).</summary>
    InGrace,

    /// <summary>A reclaim outside the grace period (NLM: denied_grace_period, NFSv4: NFS4ERR_NO_GRACE).</summary>
    NotInGrace,

    /// <summary>The table's bound on waiters or on held ranges is reached (NLM: denied_nolocks, NFSv4:
    /// NFS4ERR_RESOURCE / NFS4ERR_DENIED); nothing changed.</summary>
    NoResources,
}

/// <summary>
/// The lock a request conflicts with. <see cref="IsWaiter"/> is true when it is not held but a queued request that
/// came first (see the fairness rule on <see cref="ILockTable"/>); TEST reports held locks only.
/// </summary>
public readonly record struct LockConflict(LockOwner Owner, LockRange Range, LockMode Mode, bool IsWaiter = false);

/// <summary>A lock or lock test request.</summary>
/// <param name="Block">When it conflicts, wait in the file's queue instead of being denied.</param>
/// <param name="Reclaim">A lock the client held before the server restarted (only during the grace period).</param>
/// <param name="Context">The adapter's own data, handed back with the grant of a queued request (e.g. NLM's cookie
/// and where to send NLM_GRANTED). The table does not look at it.</param>
public readonly record struct LockRequest(
    FileLockKey File,
    LockOwner Owner,
    LockRange Range,
    LockMode Mode,
    bool Block = false,
    bool Reclaim = false,
    object? Context = null);

/// <summary>A queued request that a call granted: the owner now holds the range. The adapter tells the client
/// (NLM_GRANTED) after the call returned; if the client refuses, the adapter unlocks the range as usual.</summary>
public readonly record struct LockGrant(long WaiterId, FileLockKey File, LockOwner Owner, LockRange Range, LockMode Mode, object? Context);

/// <summary>The answer to <see cref="ILockTable.Test"/>: <see cref="LockStatus.Granted"/> with no conflict, or
/// <see cref="LockStatus.Denied"/> with the first conflicting held lock (lowest offset).</summary>
public readonly record struct LockTestResult(LockStatus Status, LockConflict? Conflict = null);

/// <summary>The answer to <see cref="ILockTable.Lock"/>.</summary>
/// <param name="Conflict">What denied or blocked the request.</param>
/// <param name="WaiterId">The queued request's id when <see cref="LockStatus.Blocked"/>, otherwise 0.</param>
/// <param name="Woken">Queued requests this call granted (a lock that replaced the owner's exclusive range by a
/// shared one, for instance, lets shared waiters in). Never null.</param>
public readonly record struct LockResult(LockStatus Status, LockConflict? Conflict, long WaiterId, IReadOnlyList<LockGrant> Woken);

/// <summary>The answer to an unlock, a cancel or a release: <see cref="LockStatus.Granted"/> (done) or a refusal,
/// and the queued requests it granted. <see cref="Changed"/> says whether anything was there to remove.</summary>
public readonly record struct UnlockResult(LockStatus Status, bool Changed, IReadOnlyList<LockGrant> Woken);

/// <summary>The answer to <see cref="ILockTable.Share"/>: granted, or denied with the reservation it conflicts with.</summary>
public readonly record struct ShareResult(LockStatus Status, ShareReservation? Conflict = null);

/// <summary>One owner's held range (merged with its neighbours of the same mode).</summary>
public readonly record struct HeldLock(LockOwner Owner, LockRange Range, LockMode Mode);

/// <summary>What is held on one file: byte-range locks and share reservations (<see cref="MemoryLockTable.HeldOn"/>).</summary>
public sealed record FileHolders(IReadOnlyList<HeldLock> Locks, IReadOnlyList<ShareReservation> Shares)
{
    public static FileHolders None { get; } = new([], []);
}
