namespace DittoFs.Storage;

/// <summary>
/// Outcome of a store operation. The values are the nfsstat3 codes of RFC 1813 §2.6, so the NFS layer casts
/// instead of mapping. Expected failures (a negative LOOKUP, a permission denial) are returned, never thrown.
/// </summary>
public enum StoreStatus
{
    Ok = 0,
    /// <summary>Not owner: the caller is neither the owner nor root (chmod, chown, sticky directories).</summary>
    Perm = 1,
    NoEnt = 2,
    /// <summary>A hard back-end error.</summary>
    Io = 5,
    NxIo = 6,
    /// <summary>Permission bits deny the operation.</summary>
    Access = 13,
    Exist = 17,
    XDev = 18,
    NoDev = 19,
    NotDir = 20,
    IsDir = 21,
    Inval = 22,
    FBig = 27,
    NoSpc = 28,
    Rofs = 30,
    MLink = 31,
    NameTooLong = 63,
    NotEmpty = 66,
    DQuot = 69,
    /// <summary>The file a handle names is gone, or the handle's generation is not the file's.</summary>
    Stale = 70,
    Remote = 71,
    BadHandle = 10001,
    /// <summary>A SETATTR guard (expected ctime) did not match (RFC 1813 §3.3.2).</summary>
    NotSync = 10002,
    /// <summary>A READDIR cookie or cookie verifier that this directory did not hand out (RFC 1813 §3.3.16).</summary>
    BadCookie = 10003,
    NotSupp = 10004,
    TooSmall = 10005,
    ServerFault = 10006,
    /// <summary>MKNOD of a type that is not a device, socket or FIFO (RFC 1813 §3.3.11).</summary>
    BadType = 10007,
    /// <summary>A transient back-end failure: the client should retry later.</summary>
    Jukebox = 10008,
}
