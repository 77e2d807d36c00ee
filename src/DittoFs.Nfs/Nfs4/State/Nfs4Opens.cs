using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4 open state (RFC 7530 §9.1.4 stateids, §9.9 share reservations; RFC 8881 §8.2, §9.7): one open per open-owner
/// and file, with its share access and deny bits, named by a stateid whose "other" part is this server instance (4
/// bytes) and a counter (8 bytes), and whose seqid rises with every change. Share reservations are checked against the
/// other owners' opens of the same file. One lock guards the table. A client that goes (lease expired, replaced,
/// destroyed) loses its opens. For 4.0 it also keeps each open-owner's and lock-owner's sequence
/// (<see cref="Nfs4OwnerSequence"/>), and an owner's last closed open while its CLOSE may be retransmitted; an owner
/// that holds no state and was not used for <paramref name="idleOwners"/> is forgotten (RFC 7530 §9.1.5 lets the server
/// release it: its next operation starts a new sequence), so a client that lives long and makes owners as it goes (Linux
/// makes one per process and credential) does not grow the table for ever.
/// </summary>
internal sealed class Nfs4Opens(uint epoch, TimeSpan idleOwners, TimeProvider clock)
{
    public const uint AccessRead = Nfs4ProtConstants.Open4ShareAccessRead;
    public const uint AccessWrite = Nfs4ProtConstants.Open4ShareAccessWrite;

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Nfs4State> _byCounter = [];
    private readonly Dictionary<(uint Share, ulong File), List<Nfs4Open>> _byFile = [];
    private readonly Dictionary<DittoFs.Vfs.Locks.LockOwner, Nfs4OwnerSequence> _openOwners = [];
    private readonly Dictionary<DittoFs.Vfs.Locks.LockOwner, Nfs4OwnerSequence> _lockOwners = [];
    private ulong _next;
    private DateTimeOffset _nextOwnerSweep = clock.GetUtcNow() + idleOwners;

    /// <summary>
    /// OPEN's state (RFC 7530 §16.16.5): the owner's open of the file, made or widened by this access and deny once
    /// <paramref name="reserve"/> granted the share reservation of the union (the share's lock table, which decides
    /// conflicts with every other owner's opens and NLM shares; any status but NFS4_OK refuses the open unchanged).
    /// </summary>
    public Nfsstat4 Open(ulong clientId, ReadOnlySpan<byte> owner, uint shareId, FileRef file, uint access, uint deny, Func<uint, uint, Nfsstat4> reserve,
        out Nfs4Open open)
    {
        lock (_lock)
        {
            open = null!;
            var opens = OpensOf(shareId, file.FileId);
            Nfs4Open? mine = null;
            foreach (var other in opens)
            {
                if (other.ClientId == clientId && other.Owner.AsSpan().SequenceEqual(owner))
                {
                    mine = other;
                }
            }
            var reserved = reserve(access | (mine?.Access ?? 0), deny | (mine?.Deny ?? 0));
            if (reserved != Nfsstat4.Nfs4Ok)
            {
                if (opens.Count == 0)
                {
                    _byFile.Remove((shareId, file.FileId));
                }
                return reserved;
            }
            if (mine is null)
            {
                mine = new Nfs4Open(++_next, clientId, owner.ToArray(), shareId, file);
                opens.Add(mine);
                _byCounter[mine.Counter] = mine;
            }
            mine.Access |= access;
            mine.Deny |= deny;
            mine.Seqid++;
            open = mine;
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>The sequence of a 4.0 open-owner (made on its first OPEN).</summary>
    public Nfs4OwnerSequence OpenOwnerSequence(ulong clientId, ReadOnlySpan<byte> owner) =>
        SequenceOf(_openOwners, new DittoFs.Vfs.Locks.LockOwner(DittoFs.Vfs.Locks.LockClient.Nfs4(clientId), owner));

    /// <summary>The sequence of a 4.0 lock-owner (made on its first LOCK).</summary>
    public Nfs4OwnerSequence LockOwnerSequence(DittoFs.Vfs.Locks.LockOwner owner) => SequenceOf(_lockOwners, owner);

    private Nfs4OwnerSequence SequenceOf(Dictionary<DittoFs.Vfs.Locks.LockOwner, Nfs4OwnerSequence> owners, DittoFs.Vfs.Locks.LockOwner owner)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (now >= _nextOwnerSweep)
            {
                ForgetIdleOwners(now - idleOwners);
                _nextOwnerSweep = now + idleOwners;
            }
            if (!owners.TryGetValue(owner, out var sequence))
            {
                owners[owner] = sequence = new Nfs4OwnerSequence();
            }
            sequence.LastUsed = now;
            return sequence;
        }
    }

    /// <summary>
    /// Drops the owners last used before <paramref name="idleSince"/> that hold no open or lock state (under the lock; once
    /// a sweep period), with the closed open an open-owner kept for a retransmitted CLOSE: none comes after so long.
    /// </summary>
    private void ForgetIdleOwners(DateTimeOffset idleSince)
    {
        var holding = new HashSet<DittoFs.Vfs.Locks.LockOwner>();
        foreach (var state in _byCounter.Values)
        {
            if (state is Nfs4Open { Closed: false } open)
            {
                holding.Add(open.Holder);
            }
            else if (state is Nfs4LockState lockState)
            {
                holding.Add(lockState.Owner);
            }
        }
        foreach (var owners in new[] { _openOwners, _lockOwners })
        {
            foreach (var (owner, sequence) in owners)
            {
                if (sequence.LastUsed < idleSince && !holding.Contains(owner))
                {
                    owners.Remove(owner);
                    if (sequence.LastClosed is { } closed)
                    {
                        _byCounter.Remove(closed.Counter);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Keeps a 4.0 operation's reply in its owner's sequence (see <see cref="Nfs4OwnerSequence.Record"/>); once the owner
    /// moved on, the open it had closed before this operation (<paramref name="closedBefore"/>) cannot be named again.
    /// </summary>
    public void Record(Nfs4OwnerSequence sequence, uint seqid, in NfsResop4 result, Nfsstat4 status, in Nfs4Fh current, Nfs4Open? closedBefore)
    {
        if (sequence.Record(seqid, result, status, current) && closedBefore is not null)
        {
            lock (_lock)
            {
                _byCounter.Remove(closedBefore.Counter);
                if (sequence.LastClosed == closedBefore)
                {
                    sequence.LastClosed = null;
                }
            }
        }
    }

    /// <summary>
    /// 4.0: the sequence of the owner whose state a stateid names, found by the stateid's "other" part alone (closed opens
    /// too), so that a retransmission is recognised before its stale stateid seqid is; null if it names none.
    /// </summary>
    public Nfs4OwnerSequence? SequenceOf(in Stateid4 stateid)
    {
        var other = stateid.Other.Span;
        if (other.Length != 12 || BinaryPrimitives.ReadUInt32BigEndian(other) != epoch)
        {
            return null;
        }
        Nfs4State? state;
        lock (_lock)
        {
            _byCounter.TryGetValue(BinaryPrimitives.ReadUInt64BigEndian(other[4..]), out state);
        }
        return state switch
        {
            Nfs4Open open => SequenceOf(_openOwners, open.Holder),
            Nfs4LockState lockState => LockOwnerSequence(lockState.Owner),
            _ => null,
        };
    }

    /// <summary>
    /// The open a stateid names (RFC 7530 §9.1.4.3-4, RFC 8881 §8.2.2): NFS4ERR_STALE_STATEID (4.0) or BAD_STATEID (4.1)
    /// for another server instance's, NFS4ERR_BAD_STATEID for one unknown, closed or of another file,
    /// NFS4ERR_OLD_STATEID for an earlier seqid; seqid 0 in 4.1 means "the current one".
    /// </summary>
    public Nfsstat4 Find(in Stateid4 stateid, uint minorVersion, uint shareId, FileRef file, out Nfs4State state)
    {
        state = null!;
        if (!IsOurs(stateid, out ulong counter))
        {
            return minorVersion == 0 && stateid.Other.Span.Length == 12 ? Nfsstat4.Nfs4errStaleStateid : Nfsstat4.Nfs4errBadStateid;
        }
        lock (_lock)
        {
            var found = Named(counter);
            if (found is null || found.ShareId != shareId || found.File.FileId != file.FileId)
            {
                return Nfsstat4.Nfs4errBadStateid;
            }
            var status = SeqidStatus(stateid, found, minorVersion);
            if (status == Nfsstat4.Nfs4Ok)
            {
                state = found;
            }
            return status;
        }
    }

    /// <summary>
    /// TEST_STATEID's answer for one stateid (RFC 8881 §18.48.3): what using it would answer, without regard to a file or
    /// the kind of state: NFS4ERR_BAD_STATEID for one unknown, closed, of another client (<paramref name="clientId"/> is the
    /// session's), of another server instance or special; NFS4ERR_OLD_STATEID for an earlier seqid (0 is the current).
    /// </summary>
    public Nfsstat4 Test(in Stateid4 stateid, ulong clientId)
    {
        if (!IsOurs(stateid, out ulong counter))
        {
            return Nfsstat4.Nfs4errBadStateid;
        }
        lock (_lock)
        {
            var found = Named(counter);
            return found is null || found.ClientId != clientId ? Nfsstat4.Nfs4errBadStateid : SeqidStatus(stateid, found, minorVersion: 1);
        }
    }

    /// <summary>
    /// FREE_STATEID (RFC 8881 §18.38.3): forgets a lock stateid whose owner holds no locks; NFS4ERR_LOCKS_HELD for one that
    /// does and for an open's (CLOSE ends an open); NFS4ERR_BAD_STATEID as <see cref="Test"/> says. The seqid does not
    /// matter: any version of the stateid names the state to free.
    /// </summary>
    public Nfsstat4 Free(in Stateid4 stateid, ulong clientId, Func<Nfs4LockState, bool> holdsLocks)
    {
        if (!IsOurs(stateid, out ulong counter))
        {
            return Nfsstat4.Nfs4errBadStateid;
        }
        lock (_lock)
        {
            var found = Named(counter);
            if (found is null || found.ClientId != clientId)
            {
                return Nfsstat4.Nfs4errBadStateid;
            }
            if (found is not Nfs4LockState lockState || holdsLocks(lockState))
            {
                return Nfsstat4.Nfs4errLocksHeld;
            }
            _byCounter.Remove(lockState.Counter);
            lockState.Open.Locks.Remove(lockState);
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>Whether the stateid's "other" is one this server instance makes (epoch, counter), and its counter.</summary>
    private bool IsOurs(in Stateid4 stateid, out ulong counter)
    {
        var other = stateid.Other.Span;
        counter = other.Length == 12 ? BinaryPrimitives.ReadUInt64BigEndian(other[4..]) : 0;
        return other.Length == 12 && BinaryPrimitives.ReadUInt32BigEndian(other) == epoch;
    }

    /// <summary>The open or lock state a counter names, unless it is a closed open (under the lock).</summary>
    private Nfs4State? Named(ulong counter) =>
        _byCounter.TryGetValue(counter, out var found) && found is not Nfs4Open { Closed: true } ? found : null;

    /// <summary>NFS4ERR_OLD_STATEID for an earlier seqid, BAD_STATEID for a later one; seqid 0 in 4.1 means "the current one".</summary>
    private static Nfsstat4 SeqidStatus(in Stateid4 stateid, Nfs4State found, uint minorVersion) =>
        stateid.Seqid == found.Seqid || minorVersion == 1 && stateid.Seqid == 0 ? Nfsstat4.Nfs4Ok
        : stateid.Seqid < found.Seqid ? Nfsstat4.Nfs4errOldStateid
        : Nfsstat4.Nfs4errBadStateid;

    /// <summary>
    /// The lock state of <paramref name="owner"/> on the open's file (made, with seqid 0, on the owner's first lock
    /// there): the one stateid its LOCK and LOCKU calls carry.
    /// </summary>
    public Nfs4LockState LockStateFor(Nfs4Open open, DittoFs.Vfs.Locks.LockOwner owner)
    {
        lock (_lock)
        {
            foreach (var existing in open.Locks)
            {
                if (existing.Owner.Equals(owner))
                {
                    return existing;
                }
            }
            var state = new Nfs4LockState(++_next, open, owner);
            open.Locks.Add(state);
            _byCounter[state.Counter] = state;
            return state;
        }
    }

    /// <summary>
    /// RELEASE_LOCKOWNER: drops the owner's lock states unless one of them still holds a lock (false then, and nothing
    /// is dropped).
    /// </summary>
    public bool ReleaseLockOwner(DittoFs.Vfs.Locks.LockOwner owner, Func<Nfs4LockState, bool> holdsLocks)
    {
        lock (_lock)
        {
            var states = _byCounter.Values.OfType<Nfs4LockState>().Where(state => state.Owner.Equals(owner)).ToList();
            if (states.Any(holdsLocks))
            {
                return false;
            }
            foreach (var state in states)
            {
                _byCounter.Remove(state.Counter);
                state.Open.Locks.Remove(state);
            }
            return true;
        }
    }

    /// <summary>A LOCK or LOCKU changed the state: its seqid rises.</summary>
    public void Advance(Nfs4State state)
    {
        lock (_lock)
        {
            state.Seqid++;
        }
    }

    /// <summary>OPEN_CONFIRM (RFC 7530 §16.18): the open is confirmed; its seqid rises.</summary>
    public void Confirm(Nfs4Open open)
    {
        lock (_lock)
        {
            open.Seqid++;
        }
    }

    /// <summary>OPEN_DOWNGRADE (RFC 7530 §16.19): only to a subset of what the open holds (else NFS4ERR_INVAL).</summary>
    public Nfsstat4 Downgrade(Nfs4Open open, uint access, uint deny)
    {
        lock (_lock)
        {
            if (access == 0 || (access & ~open.Access) != 0 || (deny & ~open.Deny) != 0)
            {
                return Nfsstat4.Nfs4errInval;
            }
            open.Access = access;
            open.Deny = deny;
            open.Seqid++;
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>
    /// CLOSE (RFC 7530 §16.2): the open ends. With <paramref name="sequence"/> (4.0) its stateid still names it, for a
    /// retransmitted CLOSE only, until the owner's next operation.
    /// </summary>
    public void Close(Nfs4Open open, Nfs4OwnerSequence? sequence)
    {
        lock (_lock)
        {
            Remove(open);
            open.Seqid++;
            if (sequence is not null)
            {
                open.Closed = true;
                _byCounter[open.Counter] = open;
                sequence.LastClosed = open;
            }
        }
    }

    /// <summary>
    /// Whether an access without an open (the anonymous or READ-bypass stateid, RFC 7530 §9.1.4.3) is allowed: not when
    /// an open of the file denies it (NFS4ERR_LOCKED).
    /// </summary>
    public Nfsstat4 CheckUnopened(uint shareId, FileRef file, uint access)
    {
        lock (_lock)
        {
            if (_byFile.TryGetValue((shareId, file.FileId), out var opens))
            {
                foreach (var open in opens)
                {
                    if ((open.Deny & access) != 0)
                    {
                        return Nfsstat4.Nfs4errLocked;
                    }
                }
            }
            return Nfsstat4.Nfs4Ok;
        }
    }

    /// <summary>Whether the client holds an open (its locks hang off its opens).</summary>
    public bool HoldsState(ulong clientId)
    {
        lock (_lock)
        {
            foreach (var state in _byCounter.Values)
            {
                if (state is Nfs4Open { Closed: false } open && open.ClientId == clientId)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Drops every open of a client that is gone (RFC 7530 §9.6: its lease expired, or it was replaced).</summary>
    public void ReleaseClient(ulong clientId)
    {
        lock (_lock)
        {
            foreach (var open in _byCounter.Values.OfType<Nfs4Open>().Where(open => open.ClientId == clientId).ToList())
            {
                Remove(open);
            }
            var client = DittoFs.Vfs.Locks.LockClient.Nfs4(clientId);
            foreach (var owners in new[] { _openOwners, _lockOwners })
            {
                foreach (var owner in owners.Keys.Where(owner => owner.Client.Equals(client)).ToList())
                {
                    owners.Remove(owner);
                }
            }
        }
    }

    /// <summary>The stateid of an open or lock state as the wire carries it.</summary>
    public Stateid4 StateidOf(Nfs4State state)
    {
        var other = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(other, epoch);
        BinaryPrimitives.WriteUInt64BigEndian(other.AsSpan(4), state.Counter);
        lock (_lock)
        {
            return new Stateid4 { Seqid = state.Seqid, Other = other };
        }
    }

    private List<Nfs4Open> OpensOf(uint shareId, ulong fileId)
    {
        if (!_byFile.TryGetValue((shareId, fileId), out var opens))
        {
            _byFile[(shareId, fileId)] = opens = [];
        }
        return opens;
    }

    private void Remove(Nfs4Open open)
    {
        _byCounter.Remove(open.Counter);
        foreach (var lockState in open.Locks)
        {
            _byCounter.Remove(lockState.Counter);
        }
        if (_byFile.TryGetValue((open.ShareId, open.File.FileId), out var opens))
        {
            opens.Remove(open);
            if (opens.Count == 0)
            {
                _byFile.Remove((open.ShareId, open.File.FileId));
            }
        }
    }
}

/// <summary>What a stateid names: an open, or a lock-owner's locks on a file; its seqid rises with every change.</summary>
internal abstract class Nfs4State(ulong counter, ulong clientId, uint shareId, FileRef file)
{
    public ulong Counter { get; } = counter;
    public ulong ClientId { get; } = clientId;
    public uint ShareId { get; } = shareId;
    public FileRef File { get; } = file;
    public uint Seqid { get; set; }

    /// <summary>The access of the open behind the state (a lock's is its open's).</summary>
    public abstract uint OpenAccess { get; }
}

/// <summary>One open: an open-owner's hold on a file, with the union of the access and deny it opened with.</summary>
internal sealed class Nfs4Open(ulong counter, ulong clientId, byte[] owner, uint shareId, FileRef file) : Nfs4State(counter, clientId, shareId, file)
{
    public byte[] Owner { get; } = owner;

    /// <summary>The open-owner as the lock table and the owner sequences know it: its share reservation's holder.</summary>
    public DittoFs.Vfs.Locks.LockOwner Holder { get; } = new(DittoFs.Vfs.Locks.LockClient.Nfs4(clientId), owner);

    public uint Access { get; set; }
    public uint Deny { get; set; }
    public override uint OpenAccess => Access;

    /// <summary>4.0: closed, still named by its stateid for a retransmitted CLOSE (see <see cref="Nfs4Opens.Close"/>).</summary>
    public bool Closed { get; set; }

    /// <summary>The lock states made from this open (RFC 7530 §9.1.5: a lock-owner's first LOCK names its open).</summary>
    public List<Nfs4LockState> Locks { get; } = [];
}

/// <summary>A lock-owner's locks on one file (RFC 7530 §9.1.4.2): the locks themselves are in the share's lock table.</summary>
internal sealed class Nfs4LockState(ulong counter, Nfs4Open open, DittoFs.Vfs.Locks.LockOwner owner) : Nfs4State(counter, open.ClientId, open.ShareId, open.File)
{
    public Nfs4Open Open { get; } = open;
    public DittoFs.Vfs.Locks.LockOwner Owner { get; } = owner;
    public override uint OpenAccess => Open.Access;
}
