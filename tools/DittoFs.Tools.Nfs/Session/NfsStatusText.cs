using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>
/// The RFC's names and a readable meaning for every nfsstat3 (RFC 1813 §2.6) and mountstat3 (§5.1.5): one table,
/// so every command reports errors the same way.
/// </summary>
internal static class NfsStatusText
{
    public static string Name(Nfsstat3 status) => status switch
    {
        Nfsstat3.Nfs3Ok => "NFS3_OK",
        Nfsstat3.Nfs3errPerm => "NFS3ERR_PERM",
        Nfsstat3.Nfs3errNoent => "NFS3ERR_NOENT",
        Nfsstat3.Nfs3errIo => "NFS3ERR_IO",
        Nfsstat3.Nfs3errNxio => "NFS3ERR_NXIO",
        Nfsstat3.Nfs3errAcces => "NFS3ERR_ACCES",
        Nfsstat3.Nfs3errExist => "NFS3ERR_EXIST",
        Nfsstat3.Nfs3errXdev => "NFS3ERR_XDEV",
        Nfsstat3.Nfs3errNodev => "NFS3ERR_NODEV",
        Nfsstat3.Nfs3errNotdir => "NFS3ERR_NOTDIR",
        Nfsstat3.Nfs3errIsdir => "NFS3ERR_ISDIR",
        Nfsstat3.Nfs3errInval => "NFS3ERR_INVAL",
        Nfsstat3.Nfs3errFbig => "NFS3ERR_FBIG",
        Nfsstat3.Nfs3errNospc => "NFS3ERR_NOSPC",
        Nfsstat3.Nfs3errRofs => "NFS3ERR_ROFS",
        Nfsstat3.Nfs3errMlink => "NFS3ERR_MLINK",
        Nfsstat3.Nfs3errNametoolong => "NFS3ERR_NAMETOOLONG",
        Nfsstat3.Nfs3errNotempty => "NFS3ERR_NOTEMPTY",
        Nfsstat3.Nfs3errDquot => "NFS3ERR_DQUOT",
        Nfsstat3.Nfs3errStale => "NFS3ERR_STALE",
        Nfsstat3.Nfs3errRemote => "NFS3ERR_REMOTE",
        Nfsstat3.Nfs3errBadhandle => "NFS3ERR_BADHANDLE",
        Nfsstat3.Nfs3errNotSync => "NFS3ERR_NOT_SYNC",
        Nfsstat3.Nfs3errBadCookie => "NFS3ERR_BAD_COOKIE",
        Nfsstat3.Nfs3errNotsupp => "NFS3ERR_NOTSUPP",
        Nfsstat3.Nfs3errToosmall => "NFS3ERR_TOOSMALL",
        Nfsstat3.Nfs3errServerfault => "NFS3ERR_SERVERFAULT",
        Nfsstat3.Nfs3errBadtype => "NFS3ERR_BADTYPE",
        Nfsstat3.Nfs3errJukebox => "NFS3ERR_JUKEBOX",
        _ => $"nfsstat3 {(int)status}",
    };

    public static string Meaning(Nfsstat3 status) => status switch
    {
        Nfsstat3.Nfs3Ok => "success",
        Nfsstat3.Nfs3errPerm => "operation not permitted (not the owner, or not privileged)",
        Nfsstat3.Nfs3errNoent => "no such file or directory",
        Nfsstat3.Nfs3errIo => "I/O error on the server",
        Nfsstat3.Nfs3errNxio => "no such device or address",
        Nfsstat3.Nfs3errAcces => "permission denied",
        Nfsstat3.Nfs3errExist => "file exists",
        Nfsstat3.Nfs3errXdev => "cross-device link or rename",
        Nfsstat3.Nfs3errNodev => "no such device",
        Nfsstat3.Nfs3errNotdir => "not a directory",
        Nfsstat3.Nfs3errIsdir => "is a directory",
        Nfsstat3.Nfs3errInval => "invalid argument",
        Nfsstat3.Nfs3errFbig => "file too large",
        Nfsstat3.Nfs3errNospc => "no space left on the server",
        Nfsstat3.Nfs3errRofs => "read-only file system",
        Nfsstat3.Nfs3errMlink => "too many hard links",
        Nfsstat3.Nfs3errNametoolong => "file name too long",
        Nfsstat3.Nfs3errNotempty => "directory not empty",
        Nfsstat3.Nfs3errDquot => "disk quota exceeded",
        Nfsstat3.Nfs3errStale => "stale file handle (the file was removed or the server forgot it)",
        Nfsstat3.Nfs3errRemote => "too many levels of remote in path",
        Nfsstat3.Nfs3errBadhandle => "the server did not accept the file handle",
        Nfsstat3.Nfs3errNotSync => "attribute update did not match the guard",
        Nfsstat3.Nfs3errBadCookie => "directory cookie is stale (the directory changed while it was listed)",
        Nfsstat3.Nfs3errNotsupp => "operation not supported by the server",
        Nfsstat3.Nfs3errToosmall => "buffer or request too small",
        Nfsstat3.Nfs3errServerfault => "server fault (an error with no NFS equivalent)",
        Nfsstat3.Nfs3errBadtype => "object type not supported by the server",
        Nfsstat3.Nfs3errJukebox => "the server is busy; try again later",
        _ => "unknown NFS error",
    };

    public static string Name(Mountstat3 status) => status switch
    {
        Mountstat3.Mnt3Ok => "MNT3_OK",
        Mountstat3.Mnt3errPerm => "MNT3ERR_PERM",
        Mountstat3.Mnt3errNoent => "MNT3ERR_NOENT",
        Mountstat3.Mnt3errIo => "MNT3ERR_IO",
        Mountstat3.Mnt3errAcces => "MNT3ERR_ACCES",
        Mountstat3.Mnt3errNotdir => "MNT3ERR_NOTDIR",
        Mountstat3.Mnt3errInval => "MNT3ERR_INVAL",
        Mountstat3.Mnt3errNametoolong => "MNT3ERR_NAMETOOLONG",
        Mountstat3.Mnt3errNotsupp => "MNT3ERR_NOTSUPP",
        Mountstat3.Mnt3errServerfault => "MNT3ERR_SERVERFAULT",
        _ => $"mountstat3 {(int)status}",
    };

    public static string Meaning(Mountstat3 status) => status switch
    {
        Mountstat3.Mnt3Ok => "success",
        Mountstat3.Mnt3errPerm => "not the owner",
        Mountstat3.Mnt3errNoent => "no such export or directory",
        Mountstat3.Mnt3errIo => "I/O error on the server",
        Mountstat3.Mnt3errAcces => "this client, port or credential may not mount it",
        Mountstat3.Mnt3errNotdir => "not a directory",
        Mountstat3.Mnt3errInval => "invalid argument",
        Mountstat3.Mnt3errNametoolong => "path too long",
        Mountstat3.Mnt3errNotsupp => "operation not supported",
        Mountstat3.Mnt3errServerfault => "server fault",
        _ => "unknown MOUNT error",
    };
}
