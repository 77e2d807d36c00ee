using DittoFs.Protocol;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.EndToEnd;

/// <summary>The NFSv4 operations the end-to-end tests send through <see cref="Nfs4SessionClient"/>: one open-owner, one
/// lock-owner, a write lock of bytes 0-99 and its unlock.</summary>
internal static class Nfs4Operations
{
    public static NfsArgop4 PutFh(byte[] handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle });

    public static NfsArgop4 Open(OpenClaimType4 claim) => NfsArgop4.FromOpopen(new Open4Args
    {
        ShareAccess = Attr.Open4ShareAccessBoth,
        ShareDeny = Attr.Open4ShareDenyNone,
        Owner = new StateOwner4 { Owner = "open-owner"u8.ToArray() },
        Openhow = new Openflag4 { Opentype = Opentype4.Open4Nocreate },
        Claim = claim == OpenClaimType4.ClaimPrevious
            ? new OpenClaim4 { Claim = claim, DelegateType = OpenDelegationType4.OpenDelegateNone }
            : new OpenClaim4 { Claim = OpenClaimType4.ClaimFh },
    });

    public static NfsArgop4 Lock(Stateid4 open, bool reclaim) => NfsArgop4.FromOplock(new Lock4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Reclaim = reclaim,
        Offset = 0,
        Length = 100,
        Locker = new Locker4 { NewLockOwner = true, OpenOwner = new OpenToLockOwner4 { OpenStateid = open, LockOwner = new StateOwner4 { Owner = "lock-owner"u8.ToArray() } } },
    });

    public static Stateid4 OpenStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpOpen).Opopen.Resok4.Stateid;

    /// <summary>LOCKU of the range <see cref="Lock"/> takes, with the lock stateid LOCK answered.</summary>
    public static NfsArgop4 Unlock(Stateid4 lockStateid) => NfsArgop4.FromOplocku(new Locku4Args
    {
        Locktype = NfsLockType4.WriteLt,
        Seqid = 0,
        LockStateid = lockStateid,
        Offset = 0,
        Length = 100,
    });

    public static Stateid4 LockStateid(in Compound4Res result) => result.Resarray.ToArray().Last(r => r.Resop == NfsOpnum4.OpLock).Oplock.Resok4.LockStateid;
}
