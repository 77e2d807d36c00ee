namespace DittoFs.Vfs.Locks;

/// <summary>What an owner opens a file for (NLM fsh4_access, NFSv4 OPEN4_SHARE_ACCESS_*).</summary>
[Flags]
public enum ShareAccess : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Both = Read | Write,
}

/// <summary>What an owner denies everyone else while its reservation stands (NLM fsh4_mode, NFSv4 OPEN4_SHARE_DENY_*).</summary>
[Flags]
public enum ShareDeny : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Both = Read | Write,
}

/// <summary>
/// One owner's share reservation on one file. Two reservations of different owners conflict when either denies
/// an access the other has; an owner's own reservations never conflict, and a new one replaces the owner's previous
/// one (an NFSv4 adapter passes the union for an OPEN upgrade and the smaller set for OPEN_DOWNGRADE).
/// </summary>
public readonly record struct ShareReservation(LockOwner Owner, ShareAccess Access, ShareDeny Deny)
{
    public bool ConflictsWith(ShareAccess access, ShareDeny deny) =>
        ((byte)Access & (byte)deny) != 0 || ((byte)Deny & (byte)access) != 0;
}
