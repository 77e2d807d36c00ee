using System.Runtime.InteropServices;

namespace DittoFs.Vfs.Locks;

/// <summary>
/// The lock table of one share, in this process's memory (the rules: <see cref="ILockTable"/>). Its state is gone
/// with the process; clients reclaim it during the grace period that follows a restart.
/// <para>
/// Concurrency: one <see cref="Lock"/> for the whole table. Every call is a short computation on one file's few
/// ranges (a client release visits every file), with no I/O and no call out, so holding one lock costs less than
/// keeping counters, the bounds, cross-file releases and the fairness rule's table-wide question (does this owner
/// hold anything?) consistent under per-file locks would. Grants are collected while locked and returned; the
/// adapter sends its callbacks after the call returned.
/// </para>
/// <para>
/// Cost: a lock, test or unlock is linear in the locks held on that file; a call that frees a range also visits
/// that file's queue once per waiter (times its locks). A client release visits every file of the table.
/// Repeated lock/unlock does not grow: an owner's ranges merge, and a file with nothing left is dropped.
/// </para>
/// </summary>
public sealed class MemoryLockTable : ILockTable
{
    private static readonly IReadOnlyList<LockGrant> NoGrants = [];

    private readonly Lock _gate = new();
    private readonly Dictionary<FileLockKey, FileState> _files = [];

    // How many files each owner holds locks on: an owner that holds any passes queued requests (the fairness rule).
    private readonly Dictionary<LockOwner, int> _heldFiles = [];

    // How many requests each owner has queued, so that an owner's first lock finds the requests it lets pass.
    private readonly Dictionary<LockOwner, int> _queuedRequests = [];
    private readonly LockTableOptions _options;
    private readonly LockGracePeriod? _grace;
    private long _lastWaiterId;
    private int _heldRanges;
    private int _waiters;
    private int _shares;
    private int _fileCount;

    /// <param name="options">Bounds; the defaults when null.</param>
    /// <param name="grace">The server's grace period; without one the table is never in grace and refuses reclaims.</param>
    public MemoryLockTable(LockTableOptions? options = null, LockGracePeriod? grace = null)
    {
        _options = options ?? new LockTableOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxWaiters);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxHeldRanges);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxShareReservations);
        _grace = grace;
    }

    public int HeldRanges => Volatile.Read(ref _heldRanges);

    public int Waiters => Volatile.Read(ref _waiters);

    public int ShareReservations => Volatile.Read(ref _shares);

    public int Files => Volatile.Read(ref _fileCount);

    /// <summary>Whether the server's grace period is on now: reclaims are granted, nothing else.</summary>
    public bool InGrace => _grace?.IsActive == true;

    /// <summary>Tests only: called while the table is locked, after every call that changed it, with the state
    /// as it is then and the grants of that call.</summary>
    internal Action<LockTableSnapshot, IReadOnlyList<LockGrant>>? AfterChangeForTests { get; set; }

    public LockTestResult Test(FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!range.IsValid)
        {
            return new LockTestResult(LockStatus.InvalidRange);
        }

        // Both protocols refuse tests during grace: a lock not reclaimed yet would not show.
        if (InGrace)
        {
            return new LockTestResult(LockStatus.InGrace);
        }

        lock (_gate)
        {
            if (_files.TryGetValue(file, out var state) && HeldConflict(state, owner, range.ToSpan(), mode) is { } conflict)
            {
                return new LockTestResult(LockStatus.Denied, conflict);
            }
        }

        return new LockTestResult(LockStatus.Granted);
    }

    public LockResult Lock(in LockRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.Owner);
        if (!request.Range.IsValid)
        {
            return new LockResult(LockStatus.InvalidRange, null, 0, NoGrants);
        }

        if (GraceRefusal(request.Reclaim) is { } refusal)
        {
            return new LockResult(refusal, null, 0, NoGrants);
        }

        var span = request.Range.ToSpan();
        var owner = request.Owner;
        List<LockGrant>? woken = null;
        LockResult result;
        lock (_gate)
        {
            var state = GetOrAdd(request.File);
            var conflict = HeldConflict(state, owner, span, request.Mode)
                ?? QueuedConflict(state, owner, span, request.Mode, state.Queue.Count);
            if (conflict is null)
            {
                if (TryHold(state, owner, span, request.Mode, out var effect))
                {
                    List<LockOwner>? newHolders = (effect & HoldEffect.FirstLock) != 0 && _queuedRequests.ContainsKey(owner) ? [owner] : null;
                    if ((effect & HoldEffect.Downgraded) != 0 || newHolders is not null)
                    {
                        GrantQueued((effect & HoldEffect.Downgraded) != 0 ? (request.File, state) : null, newHolders, ref woken);
                    }

                    result = new LockResult(LockStatus.Granted, null, 0, NoGrants);
                }
                else
                {
                    result = new LockResult(LockStatus.NoResources, null, 0, NoGrants);
                }
            }
            else if (!request.Block)
            {
                result = new LockResult(LockStatus.Denied, conflict, 0, NoGrants);
            }
            else if (FindQueued(state, owner, span, request.Mode) is { } index)
            {
                // A retransmitted blocking request (NLM clients resend LOCK until answered): one waiter.
                result = new LockResult(LockStatus.Blocked, conflict, state.Queue[index].Id, NoGrants);
            }
            else if (_waiters >= _options.MaxWaiters)
            {
                result = new LockResult(LockStatus.NoResources, conflict, 0, NoGrants);
            }
            else
            {
                var id = ++_lastWaiterId;
                state.Queue.Add(new Waiter(id, owner, span, request.Mode, request.Context));
                Increment(_queuedRequests, owner);
                Volatile.Write(ref _waiters, _waiters + 1);
                result = new LockResult(LockStatus.Blocked, conflict, id, NoGrants);
            }

            DropIfEmpty(request.File, state);
            Changed(woken);
        }

        return woken is null ? result : result with { Woken = woken };
    }

    public UnlockResult Cancel(FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!range.IsValid)
        {
            return new UnlockResult(LockStatus.InvalidRange, false, NoGrants);
        }

        List<LockGrant>? woken = null;
        lock (_gate)
        {
            if (!_files.TryGetValue(file, out var state) || FindQueued(state, owner, range.ToSpan(), mode) is not { } index)
            {
                return new UnlockResult(LockStatus.Granted, false, NoGrants);
            }

            Decrement(_queuedRequests, state.Queue[index].Owner);
            state.Queue.RemoveAt(index);
            Volatile.Write(ref _waiters, _waiters - 1);
            // The cancelled request may have been holding back later ones (the fairness rule).
            GrantQueued((file, state), null, ref woken);
            DropIfEmpty(file, state);
            Changed(woken);
        }

        return new UnlockResult(LockStatus.Granted, true, woken ?? NoGrants);
    }

    public UnlockResult Unlock(FileLockKey file, LockOwner owner, LockRange range)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!range.IsValid)
        {
            return new UnlockResult(LockStatus.InvalidRange, false, NoGrants);
        }

        List<LockGrant>? woken = null;
        lock (_gate)
        {
            if (!_files.TryGetValue(file, out var state))
            {
                return new UnlockResult(LockStatus.Granted, false, NoGrants);
            }

            var outcome = TryRelease(state, owner, range.ToSpan());
            if (outcome == ReleaseOutcome.NoResources)
            {
                return new UnlockResult(LockStatus.NoResources, false, NoGrants);
            }

            if (outcome == ReleaseOutcome.Unchanged)
            {
                return new UnlockResult(LockStatus.Granted, false, NoGrants);
            }

            GrantQueued((file, state), null, ref woken);
            DropIfEmpty(file, state);
            Changed(woken);
        }

        return new UnlockResult(LockStatus.Granted, true, woken ?? NoGrants);
    }

    public UnlockResult UnlockOwner(FileLockKey file, LockOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        List<LockGrant>? woken = null;
        lock (_gate)
        {
            if (!_files.TryGetValue(file, out var state) || !RemoveOwnerLocks(state, o => o.Equals(owner)))
            {
                return new UnlockResult(LockStatus.Granted, false, NoGrants);
            }

            GrantQueued((file, state), null, ref woken);
            DropIfEmpty(file, state);
            Changed(woken);
        }

        return new UnlockResult(LockStatus.Granted, true, woken ?? NoGrants);
    }

    public bool HoldsLocks(LockOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            return _heldFiles.ContainsKey(owner);
        }
    }

    public IReadOnlySet<LockClient> ClientsWithState()
    {
        var clients = new HashSet<LockClient>();
        lock (_gate)
        {
            foreach (var owner in _heldFiles.Keys)
            {
                clients.Add(owner.Client);
            }

            foreach (var owner in _queuedRequests.Keys)
            {
                clients.Add(owner.Client);
            }

            foreach (var state in _files.Values)
            {
                foreach (var owner in state.Shares.Keys)
                {
                    clients.Add(owner.Client);
                }
            }
        }

        return clients;
    }

    public UnlockResult ReleaseClient(LockClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        List<LockGrant>? woken = null;
        var changed = false;
        lock (_gate)
        {
            List<FileLockKey>? empty = null;
            foreach (var (file, state) in _files)
            {
                var sharesBefore = state.Shares.Count;
                foreach (var owner in state.Shares.Keys)
                {
                    if (owner.Client.Equals(client))
                    {
                        state.Shares.Remove(owner); // removing during enumeration is allowed for Dictionary
                    }
                }

                Volatile.Write(ref _shares, _shares - (sharesBefore - state.Shares.Count));
                var locksChanged = RemoveOwnerLocks(state, o => o.Client.Equals(client));
                if (locksChanged)
                {
                    GrantQueued((file, state), null, ref woken);
                }

                changed |= locksChanged || sharesBefore != state.Shares.Count;
                if (state.IsEmpty)
                {
                    (empty ??= []).Add(file);
                }
            }

            if (empty is not null)
            {
                foreach (var file in empty)
                {
                    _files.Remove(file);
                }

                Volatile.Write(ref _fileCount, _files.Count);
            }

            if (changed)
            {
                Changed(woken);
            }
        }

        return new UnlockResult(LockStatus.Granted, changed, woken ?? NoGrants);
    }

    public ShareResult Share(FileLockKey file, LockOwner owner, ShareAccess access, ShareDeny deny, bool reclaim = false)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (GraceRefusal(reclaim) is { } refusal)
        {
            return new ShareResult(refusal);
        }

        lock (_gate)
        {
            var state = GetOrAdd(file);
            ShareResult result;
            ShareReservation? conflict = null;
            foreach (var (other, reservation) in state.Shares)
            {
                if (!other.Equals(owner) && reservation.ConflictsWith(access, deny))
                {
                    conflict = reservation;
                    break;
                }
            }

            var replaces = state.Shares.ContainsKey(owner);
            if (conflict is not null)
            {
                result = new ShareResult(LockStatus.Denied, conflict);
            }
            else if (!replaces && _shares >= _options.MaxShareReservations)
            {
                result = new ShareResult(LockStatus.NoResources);
            }
            else
            {
                state.Shares[owner] = new ShareReservation(owner, access, deny);
                if (!replaces)
                {
                    Volatile.Write(ref _shares, _shares + 1);
                }

                result = new ShareResult(LockStatus.Granted);
            }

            DropIfEmpty(file, state);
            Changed(null);
            return result;
        }
    }

    public ShareResult Unshare(FileLockKey file, LockOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (_files.TryGetValue(file, out var state) && state.Shares.Remove(owner))
            {
                Volatile.Write(ref _shares, _shares - 1);
                DropIfEmpty(file, state);
                Changed(null);
            }
        }

        return new ShareResult(LockStatus.Granted);
    }

    /// <summary>The files with any lock, waiter or reservation now (a snapshot).</summary>
    public List<FileLockKey> FilesWithState()
    {
        lock (_gate)
        {
            return [.. _files.Keys];
        }
    }

    /// <summary>What is held on <paramref name="file"/> now: every owner's ranges (merged) and share reservations, not
    /// the queue. A table that several servers share publishes this after each change of the file.</summary>
    public FileHolders HeldOn(FileLockKey file)
    {
        lock (_gate)
        {
            if (!_files.TryGetValue(file, out var state))
            {
                return FileHolders.None;
            }

            var locks = new List<HeldLock>();
            foreach (var (owner, spans) in state.Held)
            {
                foreach (var held in spans)
                {
                    locks.Add(new HeldLock(owner, held.Span.ToRange(), held.Mode));
                }
            }

            return new FileHolders(locks, [.. state.Shares.Values]);
        }
    }

    /// <summary>Tests only: the whole state, consistent (taken under the table's lock).</summary>
    internal LockTableSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    private LockStatus? GraceRefusal(bool reclaim)
    {
        return (InGrace, reclaim) switch
        {
            (true, false) => LockStatus.InGrace,
            (false, true) => LockStatus.NotInGrace,
            _ => null,
        };
    }

    private FileState GetOrAdd(FileLockKey file)
    {
        ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_files, file, out var existed);
        if (!existed)
        {
            state = new FileState();
            Volatile.Write(ref _fileCount, _files.Count);
        }

        return state!;
    }

    private void DropIfEmpty(FileLockKey file, FileState state)
    {
        if (state.IsEmpty && _files.Remove(file))
        {
            Volatile.Write(ref _fileCount, _files.Count);
        }
    }

    private static bool Conflicts(LockMode a, LockMode b) => a == LockMode.Exclusive || b == LockMode.Exclusive;

    /// <summary>The held lock of another owner that conflicts, of the lowest offset; null when none.</summary>
    private static LockConflict? HeldConflict(FileState state, LockOwner owner, LockSpan span, LockMode mode)
    {
        LockOwner? conflictOwner = null;
        HeldSpan conflict = default;
        foreach (var (other, spans) in state.Held)
        {
            if (other.Equals(owner))
            {
                continue;
            }

            // An owner's spans are sorted by offset and disjoint: the first overlapping one of conflicting mode is
            // this owner's lowest conflict.
            foreach (var held in spans)
            {
                if (held.Span.First > span.Last || (conflictOwner is not null && held.Span.First >= conflict.Span.First))
                {
                    break;
                }

                if (held.Span.Overlaps(span) && Conflicts(held.Mode, mode))
                {
                    conflictOwner = other;
                    conflict = held;
                    break;
                }
            }
        }

        return conflictOwner is null ? null : new LockConflict(conflictOwner, conflict.Span.ToRange(), conflict.Mode);
    }

    /// <summary>
    /// The fairness rule: the first request queued before position <paramref name="before"/> by another owner that
    /// conflicts with this one, unless this owner already holds a lock in the table (see <see cref="ILockTable"/>).
    /// </summary>
    private LockConflict? QueuedConflict(FileState state, LockOwner owner, LockSpan span, LockMode mode, int before)
    {
        if (_heldFiles.ContainsKey(owner))
        {
            return null;
        }

        for (var i = 0; i < before; i++)
        {
            var waiter = state.Queue[i];
            if (!waiter.Owner.Equals(owner) && waiter.Span.Overlaps(span) && Conflicts(waiter.Mode, mode))
            {
                return new LockConflict(waiter.Owner, waiter.Span.ToRange(), waiter.Mode, IsWaiter: true);
            }
        }

        return null;
    }

    private static int? FindQueued(FileState state, LockOwner owner, LockSpan span, LockMode mode)
    {
        for (var i = 0; i < state.Queue.Count; i++)
        {
            var waiter = state.Queue[i];
            if (waiter.Span == span && waiter.Mode == mode && waiter.Owner.Equals(owner))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Gives <paramref name="owner"/> <paramref name="span"/> in <paramref name="mode"/>: its own ranges inside the
    /// span are replaced, ranges of the same mode that overlap or adjoin it merge into one, ranges of the other mode
    /// keep what lies outside. False (nothing changed) when the result would pass the bound on held ranges.
    /// <paramref name="effect"/> says what else the change may let through (see <see cref="HoldEffect"/>).
    /// </summary>
    private bool TryHold(FileState state, LockOwner owner, LockSpan span, LockMode mode, out HoldEffect effect)
    {
        state.Held.TryGetValue(owner, out var current);
        effect = current is null && !_heldFiles.ContainsKey(owner) ? HoldEffect.FirstLock : HoldEffect.None;
        var next = new List<HeldSpan>((current?.Count ?? 0) + 2);
        var first = span.First;
        var last = span.Last;
        if (current is not null)
        {
            foreach (var held in current)
            {
                if (held.Mode == mode && (held.Span.Overlaps(span) || held.Span.Adjoins(span)))
                {
                    // Same mode: one range covering both. The owner's ranges are disjoint and same-mode neighbours
                    // are already merged, so the grown range cannot reach another of its ranges of this mode.
                    first = Math.Min(first, held.Span.First);
                    last = Math.Max(last, held.Span.Last);
                }
                else if (held.Span.Overlaps(span))
                {
                    if (held.Mode == LockMode.Exclusive)
                    {
                        effect |= HoldEffect.Downgraded;
                    }

                    AddOutside(next, held, span);
                }
                else
                {
                    next.Add(held);
                }
            }
        }

        next.Add(new HeldSpan(new LockSpan(first, last), mode));
        next.Sort(static (a, b) => a.Span.First.CompareTo(b.Span.First));
        var growth = next.Count - (current?.Count ?? 0);
        if (growth > 0 && _heldRanges + growth > _options.MaxHeldRanges)
        {
            effect = HoldEffect.None;
            return false;
        }

        state.Held[owner] = next;
        if (current is null)
        {
            Increment(_heldFiles, owner);
        }

        Volatile.Write(ref _heldRanges, _heldRanges + growth);
        return true;
    }

    [Flags]
    private enum HoldEffect
    {
        None = 0,

        /// <summary>Part of an exclusive range of the owner became shared: anyone queued may now pass.</summary>
        Downgraded = 1,

        /// <summary>The owner holds its first lock in the table: its own queued requests, on any file, now pass
        /// the others (the fairness rule's exception).</summary>
        FirstLock = 2,
    }

    private enum ReleaseOutcome
    {
        Unchanged,
        Released,
        NoResources,
    }

    /// <summary>Removes <paramref name="span"/> from the owner's ranges, splitting one that goes past it on both
    /// sides (refused when that split would pass the bound on held ranges).</summary>
    private ReleaseOutcome TryRelease(FileState state, LockOwner owner, LockSpan span)
    {
        if (!state.Held.TryGetValue(owner, out var current))
        {
            return ReleaseOutcome.Unchanged;
        }

        var next = new List<HeldSpan>(current.Count + 1);
        var changed = false;
        foreach (var held in current)
        {
            if (held.Span.Overlaps(span))
            {
                changed = true;
                AddOutside(next, held, span);
            }
            else
            {
                next.Add(held);
            }
        }

        if (!changed)
        {
            return ReleaseOutcome.Unchanged;
        }

        var growth = next.Count - current.Count;
        if (growth > 0 && _heldRanges + growth > _options.MaxHeldRanges)
        {
            return ReleaseOutcome.NoResources;
        }

        if (next.Count == 0)
        {
            state.Held.Remove(owner);
            Decrement(_heldFiles, owner);
        }
        else
        {
            state.Held[owner] = next;
        }

        Volatile.Write(ref _heldRanges, _heldRanges + growth);
        return ReleaseOutcome.Released;
    }

    /// <summary>Adds the parts of <paramref name="held"/> before and after <paramref name="span"/> (they overlap).</summary>
    private static void AddOutside(List<HeldSpan> next, HeldSpan held, LockSpan span)
    {
        if (held.Span.First < span.First)
        {
            next.Add(held with { Span = new LockSpan(held.Span.First, span.First - 1) });
        }

        if (held.Span.Last > span.Last)
        {
            next.Add(held with { Span = new LockSpan(span.Last + 1, held.Span.Last) });
        }
    }

    /// <summary>Removes every held range and queued request of the owners <paramref name="matches"/> selects;
    /// true when there was any.</summary>
    private bool RemoveOwnerLocks(FileState state, Func<LockOwner, bool> matches)
    {
        var changed = false;
        foreach (var (owner, spans) in state.Held)
        {
            if (matches(owner))
            {
                state.Held.Remove(owner);
                Decrement(_heldFiles, owner);
                Volatile.Write(ref _heldRanges, _heldRanges - spans.Count);
                changed = true;
            }
        }

        for (var i = state.Queue.Count - 1; i >= 0; i--)
        {
            if (matches(state.Queue[i].Owner))
            {
                Decrement(_queuedRequests, state.Queue[i].Owner);
                state.Queue.RemoveAt(i);
                Volatile.Write(ref _waiters, _waiters - 1);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// Grants every queued request that the change just made lets through: on <paramref name="file"/>, and on the
    /// files where <paramref name="newHolders"/> (owners that got their first lock in the table, which now pass
    /// queued requests) have requests queued. A grant can make another owner a new holder; the files are visited
    /// until no grant does. Locks are only added here, so each owner becomes a new holder once and this ends.
    /// </summary>
    private void GrantQueued((FileLockKey Key, FileState State)? file, List<LockOwner>? newHolders, ref List<LockGrant>? woken)
    {
        if (file is { } first)
        {
            VisitQueue(first.Key, first.State, ref woken, ref newHolders);
        }

        while (newHolders is { Count: > 0 })
        {
            var owners = newHolders;
            newHolders = null;
            foreach (var (key, state) in _files)
            {
                if (state.Queue.Exists(w => owners.Contains(w.Owner)))
                {
                    VisitQueue(key, state, ref woken, ref newHolders);
                }
            }
        }
    }

    /// <summary>
    /// Grants, in queue order, every queued request of the file that the fairness rule lets through now. A grant
    /// that turned an exclusive range shared may admit a request queued before it: then the queue is visited again.
    /// Owners that got their first lock in the table and still have requests queued are added to
    /// <paramref name="newHolders"/>.
    /// </summary>
    private void VisitQueue(FileLockKey file, FileState state, ref List<LockGrant>? woken, ref List<LockOwner>? newHolders)
    {
        var again = true;
        while (again && state.Queue.Count > 0)
        {
            again = false;
            for (var i = 0; i < state.Queue.Count;)
            {
                var waiter = state.Queue[i];
                if (HeldConflict(state, waiter.Owner, waiter.Span, waiter.Mode) is null
                    && QueuedConflict(state, waiter.Owner, waiter.Span, waiter.Mode, i) is null
                    && TryHold(state, waiter.Owner, waiter.Span, waiter.Mode, out var effect))
                {
                    state.Queue.RemoveAt(i);
                    Decrement(_queuedRequests, waiter.Owner);
                    Volatile.Write(ref _waiters, _waiters - 1);
                    (woken ??= []).Add(new LockGrant(waiter.Id, file, waiter.Owner, waiter.Span.ToRange(), waiter.Mode, waiter.Context));
                    // Later requests are visited in this pass anyway; a downgrade may admit earlier ones.
                    again |= (effect & HoldEffect.Downgraded) != 0;
                    if ((effect & HoldEffect.FirstLock) != 0 && _queuedRequests.ContainsKey(waiter.Owner))
                    {
                        (newHolders ??= []).Add(waiter.Owner);
                    }

                    continue;
                }

                i++;
            }
        }
    }

    private static void Increment(Dictionary<LockOwner, int> counts, LockOwner owner) =>
        CollectionsMarshal.GetValueRefOrAddDefault(counts, owner, out _)++;

    private static void Decrement(Dictionary<LockOwner, int> counts, LockOwner owner)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(counts, owner);
        if (--count == 0)
        {
            counts.Remove(owner);
        }
    }

    private void Changed(List<LockGrant>? woken)
    {
        AfterChangeForTests?.Invoke(SnapshotLocked(), woken ?? NoGrants);
    }

    private LockTableSnapshot SnapshotLocked()
    {
        var held = new List<HeldLockView>();
        var queued = new List<QueuedLockView>();
        var shares = new List<(FileLockKey File, ShareReservation Reservation)>();
        foreach (var (file, state) in _files)
        {
            foreach (var (owner, spans) in state.Held)
            {
                foreach (var span in spans)
                {
                    held.Add(new HeldLockView(file, owner, span.Span.ToRange(), span.Mode));
                }
            }

            foreach (var waiter in state.Queue)
            {
                queued.Add(new QueuedLockView(file, waiter.Id, waiter.Owner, waiter.Span.ToRange(), waiter.Mode));
            }

            foreach (var reservation in state.Shares.Values)
            {
                shares.Add((file, reservation));
            }
        }

        return new LockTableSnapshot(held, queued, shares, _files.Count, _heldRanges, _waiters, _shares,
            new Dictionary<LockOwner, int>(_heldFiles), new Dictionary<LockOwner, int>(_queuedRequests));
    }

    private readonly record struct HeldSpan(LockSpan Span, LockMode Mode);

    private sealed record Waiter(long Id, LockOwner Owner, LockSpan Span, LockMode Mode, object? Context);

    private sealed class FileState
    {
        /// <summary>Each owner's ranges: sorted by offset, disjoint, same-mode neighbours merged.</summary>
        public readonly Dictionary<LockOwner, List<HeldSpan>> Held = [];

        /// <summary>Blocked requests in arrival order.</summary>
        public readonly List<Waiter> Queue = [];

        public readonly Dictionary<LockOwner, ShareReservation> Shares = [];

        public bool IsEmpty => Held.Count == 0 && Queue.Count == 0 && Shares.Count == 0;
    }
}

/// <summary>Tests only: one held range.</summary>
internal readonly record struct HeldLockView(FileLockKey File, LockOwner Owner, LockRange Range, LockMode Mode);

/// <summary>Tests only: one queued request, in queue order within its file.</summary>
internal readonly record struct QueuedLockView(FileLockKey File, long Id, LockOwner Owner, LockRange Range, LockMode Mode);

/// <summary>Tests only: the table's state and counters at one moment.</summary>
internal sealed record LockTableSnapshot(
    IReadOnlyList<HeldLockView> Held,
    IReadOnlyList<QueuedLockView> Queued,
    IReadOnlyList<(FileLockKey File, ShareReservation Reservation)> Shares,
    int Files,
    int HeldRangesCounter,
    int WaitersCounter,
    int SharesCounter,
    IReadOnlyDictionary<LockOwner, int> HeldFilesByOwner,
    IReadOnlyDictionary<LockOwner, int> QueuedByOwner);
