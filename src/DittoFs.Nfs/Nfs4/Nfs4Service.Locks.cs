using DittoFs.Protocol;
using DittoFs.Vfs.Locks;

namespace DittoFs.Nfs;

// LOCK, LOCKT, LOCKU, RELEASE_LOCKOWNER: byte-range locks in the share's lock table, the one NLM uses too.
public sealed partial class Nfs4Service
{
    /// <summary>
    /// LOCK (RFC 7530 §16.10, RFC 8881 §18.10): a lock-owner's first lock on a file names the open it comes from
    /// (open_to_lock_owner4) and gets a lock stateid; later ones carry that stateid (exist_lock_owner4). The lock goes to
    /// the share's lock table, where it conflicts with NLM clients' locks as with other v4 clients'. A conflict is
    /// NFS4ERR_DENIED with the holder; blocking types (READW_LT, WRITEW_LT) are answered the same, since v4 clients poll
    /// (4.0) and this server does not send CB_NOTIFY_LOCK (4.1). Grace: NFS4ERR_GRACE for new locks in it (and from a 4.1
    /// client before its RECLAIM_COMPLETE), NFS4ERR_NO_GRACE for reclaims out of it or from a client that may not reclaim.
    /// </summary>
    private (NfsResop4, Nfsstat4) Lock(in Lock4Args arguments, Nfs4Call call)
    {
        // 4.0 (RFC 7530 §16.10.5): a new lock-owner's LOCK is sequenced by its open-owner (open_seqid) and starts the
        // lock-owner's sequence at lock_seqid; an existing lock-owner's by its own (lock_seqid).
        var args = arguments;
        var locker = arguments.Locker;
        var sequence = SequenceOf(locker.NewLockOwner ? locker.OpenOwner.OpenStateid : locker.LockOwner.LockStateid, call);
        uint seqid = locker.NewLockOwner ? locker.OpenOwner.OpenSeqid : locker.LockOwner.LockSeqid;
        Nfs4LockState? made = null;
        var (result, status) = Sequenced(sequence, seqid, NfsOpnum4.OpLock, call, () => LockNow(args, call, out made));
        if (sequence is not null && locker.NewLockOwner && made is not null)
        {
            _opens.Record(_opens.LockOwnerSequence(made.Owner), locker.OpenOwner.LockSeqid, result, status, call.Current, closedBefore: null);
        }
        return (result, status);
    }

    /// <param name="lockState">The lock state the LOCK used (made for a new lock-owner), once it was found.</param>
    private (NfsResop4, Nfsstat4) LockNow(in Lock4Args arguments, Nfs4Call call, out Nfs4LockState? lockState)
    {
        var status = LockRange(arguments.Offset, arguments.Length, out var range);
        lockState = null;
        CallTarget target = default;
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = FileTarget(call, out target);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = LockStateOf(arguments.Locker, call, out lockState);
        }
        if (status == Nfsstat4.Nfs4Ok && IsWrite(arguments.Locktype) && (lockState!.Open.Access & Nfs4Opens.AccessWrite) == 0)
        {
            status = Nfsstat4.Nfs4errOpenmode; // RFC 7530 §16.10.5: a write lock needs an open for write
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = arguments.Reclaim ? MayReclaim(lockState!.Open.ClientId) : MayTakeNewState(call);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (NfsResop4.FromOplock(call.Scratch.Arm(new Lock4Res { Status = status })), status);
        }
        var table = target.FileSystem.Locks;
        var request = new LockRequest(FileLockKey.Of(target.File), lockState!.Owner, range, IsWrite(arguments.Locktype) ? LockMode.Exclusive : LockMode.Shared,
            Block: false, Reclaim: arguments.Reclaim);
        var result = table.Lock(request);
        TellWoken(result.Woken);
        status = StatusOf(result.Status);
        if (status == Nfsstat4.Nfs4errDenied)
        {
            return (NfsResop4.FromOplock(call.Scratch.Arm(new Lock4Res { Status = status, Denied = Denied(result.Conflict!.Value) })), status);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (NfsResop4.FromOplock(call.Scratch.Arm(new Lock4Res { Status = status })), status);
        }
        _opens.Advance(lockState);
        var stateid = _opens.StateidOf(lockState);
        call.CurrentStateid = stateid;
        return (NfsResop4.FromOplock(call.Scratch.Arm(new Lock4Res { Status = status, Resok4 = new Lock4Resok { LockStateid = stateid } })), status);
    }

    /// <summary>LOCKT (RFC 7530 §16.11): whether the lock could be taken now, naming a conflicting holder if not.</summary>
    private (NfsResop4, Nfsstat4) LockTest(in Lockt4Args arguments, Nfs4Call call)
    {
        var status = LockRange(arguments.Offset, arguments.Length, out var range);
        CallTarget target = default;
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = FileTarget(call, out target);
        }
        if (status == Nfsstat4.Nfs4Ok && call.Session is null)
        {
            status = _clients.RenewClient(arguments.Owner.Clientid);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (NfsResop4.FromOplockt(call.Scratch.Arm(new Lockt4Res { Status = status })), status);
        }
        ulong clientId = call.Session?.Client.Id ?? arguments.Owner.Clientid;
        var owner = new LockOwner(LockClient.Nfs4(clientId), arguments.Owner.Owner.Span);
        var result = target.FileSystem.Locks.Test(FileLockKey.Of(target.File), owner, range, IsWrite(arguments.Locktype) ? LockMode.Exclusive : LockMode.Shared);
        status = StatusOf(result.Status);
        return status == Nfsstat4.Nfs4errDenied
            ? (NfsResop4.FromOplockt(call.Scratch.Arm(new Lockt4Res { Status = status, Denied = Denied(result.Conflict!.Value) })), status)
            : (NfsResop4.FromOplockt(call.Scratch.Arm(new Lockt4Res { Status = status })), status);
    }

    /// <summary>LOCKU (RFC 7530 §16.12): unlocks the range (splitting a lock that goes past it); the stateid's seqid rises.</summary>
    private (NfsResop4, Nfsstat4) Unlock(in Locku4Args arguments, Nfs4Call call)
    {
        var args = arguments;
        return Sequenced(SequenceOf(args.LockStateid, call), args.Seqid, NfsOpnum4.OpLocku, call, () => UnlockNow(args, call));
    }

    private (NfsResop4, Nfsstat4) UnlockNow(in Locku4Args arguments, Nfs4Call call)
    {
        var status = LockRange(arguments.Offset, arguments.Length, out var range);
        Nfs4State state = null!;
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = FindState(arguments.LockStateid, call, out state);
        }
        if (status == Nfsstat4.Nfs4Ok && state is not Nfs4LockState)
        {
            status = Nfsstat4.Nfs4errBadStateid;
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (NfsResop4.FromOplocku(call.Scratch.Arm(new Locku4Res { Status = status })), status);
        }
        var lockState = (Nfs4LockState)state;
        FileTarget(call, out var target);
        var result = target.FileSystem.Locks.Unlock(FileLockKey.Of(target.File), lockState.Owner, range);
        TellWoken(result.Woken);
        _opens.Advance(lockState);
        var stateid = _opens.StateidOf(lockState);
        call.CurrentStateid = stateid;
        return (NfsResop4.FromOplocku(call.Scratch.Arm(new Locku4Res { Status = Nfsstat4.Nfs4Ok, LockStateid = stateid })), Nfsstat4.Nfs4Ok);
    }

    /// <summary>
    /// RELEASE_LOCKOWNER (RFC 7530 §16.27, 4.0): forgets a lock-owner that holds no locks; one that does is
    /// NFS4ERR_LOCKS_HELD.
    /// </summary>
    private (NfsResop4, Nfsstat4) ReleaseLockOwner(in ReleaseLockowner4Args arguments)
    {
        var status = _clients.RenewClient(arguments.LockOwner.Clientid);
        if (status == Nfsstat4.Nfs4Ok)
        {
            var owner = new LockOwner(LockClient.Nfs4(arguments.LockOwner.Clientid), arguments.LockOwner.Owner.Span);
            status = _opens.ReleaseLockOwner(owner, HoldsLocks) ? Nfsstat4.Nfs4Ok : Nfsstat4.Nfs4errLocksHeld;
        }
        return (Failed(NfsOpnum4.OpReleaseLockowner, status), status);
    }

    /// <summary>
    /// TEST_STATEID (RFC 8881 §18.48): for each stateid, the status using it would get, checked against the session's
    /// client and no current filehandle (see <see cref="Nfs4Opens.Test"/>); the operation itself succeeds.
    /// </summary>
    private (NfsResop4, Nfsstat4) TestStateids(in TestStateid4Args arguments, Nfs4Call call)
    {
        var codes = call.Scratch.Rent<Nfsstat4>(arguments.TsStateids.Count);
        int count = 0;
        foreach (var stateid in arguments.TsStateids)
        {
            codes[count++] = _opens.Test(stateid, call.Session!.Client.Id);
        }
        var resok = new TestStateid4Resok { TsrStatusCodes = new DittoFs.Xdr.XdrList<Nfsstat4, Nfsstat4Codec>(codes, count) };
        return (NfsResop4.FromOptestStateid(call.Scratch.Arm(new TestStateid4Res { TsrStatus = Nfsstat4.Nfs4Ok, TsrResok4 = resok })), Nfsstat4.Nfs4Ok);
    }

    /// <summary>
    /// FREE_STATEID (RFC 8881 §18.38): forgets a lock stateid that holds no locks (see <see cref="Nfs4Opens.Free"/>); the
    /// current stateid (§16.2.3.1.2) may name it.
    /// </summary>
    private (NfsResop4, Nfsstat4) FreeStateid(in FreeStateid4Args arguments, Nfs4Call call)
    {
        var status = _opens.Free(Named(arguments.FsaStateid, call), call.Session!.Client.Id, HoldsLocks);
        return (Failed(NfsOpnum4.OpFreeStateid, status), status);
    }

    /// <summary>Whether a lock state's owner holds a lock in its share's table.</summary>
    private bool HoldsLocks(Nfs4LockState state) => _shares.TryGet(state.ShareId, out var share) && share.FileSystem.Locks.HoldsLocks(state.Owner);

    /// <summary>
    /// The lock state a LOCK's locker names: a new lock-owner's, made from the open it names (NFS4ERR_BAD_STATEID if that
    /// is not an open of this file), or an existing one's by its lock stateid.
    /// </summary>
    private Nfsstat4 LockStateOf(in Locker4 locker, Nfs4Call call, out Nfs4LockState? lockState)
    {
        lockState = null;
        if (locker.NewLockOwner)
        {
            var status = FindOpen(locker.OpenOwner.OpenStateid, call, out var open);
            if (status != Nfsstat4.Nfs4Ok)
            {
                return status;
            }
            var owner = new LockOwner(LockClient.Nfs4(open.ClientId), locker.OpenOwner.LockOwner.Owner.Span);
            lockState = _opens.LockStateFor(open, owner);
            return Nfsstat4.Nfs4Ok;
        }
        var found = FindState(locker.LockOwner.LockStateid, call, out var state);
        if (found == Nfsstat4.Nfs4Ok && state is not Nfs4LockState)
        {
            found = Nfsstat4.Nfs4errBadStateid;
        }
        lockState = state as Nfs4LockState;
        return found;
    }

    /// <summary>
    /// A v4 range as the table's: length NFS4_UINT64_MAX is "to the end" (0 in the table); length 0, or a range whose end
    /// passes 2^64, is NFS4ERR_INVAL (RFC 7530 §16.10.4).
    /// </summary>
    private static Nfsstat4 LockRange(ulong offset, ulong length, out LockRange range)
    {
        range = length == ulong.MaxValue ? new LockRange(offset, 0) : new LockRange(offset, length);
        return length == 0 || !range.IsValid ? Nfsstat4.Nfs4errInval : Nfsstat4.Nfs4Ok;
    }

    private static bool IsWrite(NfsLockType4 type) => type is NfsLockType4.WriteLt or NfsLockType4.WritewLt;

    /// <summary>LOCK4denied of a conflicting lock: an NLM holder is named with client id 0 and its owner handle.</summary>
    private static Lock4Denied Denied(in LockConflict conflict)
    {
        ulong clientId = conflict.Owner.Client.Kind == LockClientKind.Nfs4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(conflict.Owner.Client.Id.Span) : 0;
        return new Lock4Denied
        {
            Offset = conflict.Range.Offset,
            Length = conflict.Range.Length == 0 ? ulong.MaxValue : conflict.Range.Length,
            Locktype = conflict.Mode == LockMode.Exclusive ? NfsLockType4.WriteLt : NfsLockType4.ReadLt,
            Owner = new StateOwner4 { Clientid = clientId, Owner = conflict.Owner.Owner.ToArray() },
        };
    }

    /// <summary>The lock table's status as nfsstat4 (RFC 7530 §16.10.5).</summary>
    private static Nfsstat4 StatusOf(LockStatus status) => status switch
    {
        LockStatus.Granted => Nfsstat4.Nfs4Ok,
        LockStatus.Denied or LockStatus.Blocked => Nfsstat4.Nfs4errDenied,
        LockStatus.InvalidRange => Nfsstat4.Nfs4errInval,
        LockStatus.InGrace => Nfsstat4.Nfs4errGrace,
        LockStatus.NotInGrace => Nfsstat4.Nfs4errNoGrace,
        _ => Nfsstat4.Nfs4errDenied,
    };

    /// <summary>Queued requests a v4 call freed belong to NLM clients (v4 never queues): the lock manager tells them.</summary>
    private void TellWoken(IReadOnlyList<LockGrant>? woken)
    {
        if (woken is { Count: > 0 })
        {
            _tellWoken?.Invoke(woken);
        }
    }
}
