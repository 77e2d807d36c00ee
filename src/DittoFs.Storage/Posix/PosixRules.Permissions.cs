namespace DittoFs.Storage;

public static partial class PosixRules
{
    private const uint ReadBit = 4;
    private const uint WriteBit = 2;
    private const uint ExecuteBit = 1;

    /// <summary>
    /// The POSIX mode check: exactly one class applies (owner, else a group the caller is in, else other), so an
    /// owner denied by the owner bits is denied even if the group bits would allow. Root passes read and write,
    /// searches every directory, but executes only files with some execute bit (Linux generic_permission).
    /// </summary>
    private static bool ModeAllows(in InodeAttributes file, AuthContext auth, uint rwx)
    {
        uint granted = auth.Uid == file.Uid ? file.Mode >> 6
            : auth.IsMemberOf(file.Gid) ? file.Mode >> 3
            : file.Mode;
        if ((granted & rwx) == rwx)
        {
            return true;
        }
        if (!auth.IsRoot)
        {
            return false;
        }
        return (rwx & ExecuteBit) == 0 || file.Type == FileType.Directory || (file.Mode & ModeBits.AnyExecute) != 0;
    }

    public static bool IsOwnerOrRoot(in InodeAttributes file, AuthContext auth) => auth.IsRoot || auth.Uid == file.Uid;

    /// <summary>
    /// ACCESS (RFC 1813 §3.3.4), mapped as Linux nfsd does: on a directory READ needs r, LOOKUP x, MODIFY / EXTEND /
    /// DELETE w and x; on other objects READ needs r, MODIFY / EXTEND w, EXECUTE x. Rights with no meaning for the
    /// type are not granted. Purely the mode bits: the owner overrides of READ and WRITE do not show here, so a
    /// client's open() is checked strictly.
    /// </summary>
    public static AccessRights GrantAccess(in InodeAttributes file, AuthContext auth, AccessRights requested)
    {
        var granted = AccessRights.None;
        if (ModeAllows(file, auth, ReadBit))
        {
            granted |= AccessRights.Read;
        }
        if (file.Type == FileType.Directory)
        {
            if (ModeAllows(file, auth, ExecuteBit))
            {
                granted |= AccessRights.Lookup;
            }
            if (ModeAllows(file, auth, WriteBit | ExecuteBit))
            {
                granted |= AccessRights.Modify | AccessRights.Extend | AccessRights.Delete;
            }
        }
        else
        {
            if (ModeAllows(file, auth, WriteBit))
            {
                granted |= AccessRights.Modify | AccessRights.Extend;
            }
            if (ModeAllows(file, auth, ExecuteBit))
            {
                granted |= AccessRights.Execute;
            }
        }
        return granted & requested;
    }

    /// <summary>Looking a name up in a directory needs search (x) permission.</summary>
    public static StoreStatus CheckSearch(in InodeAttributes directory, AuthContext auth) =>
        ModeAllows(directory, auth, ExecuteBit) ? StoreStatus.Ok : StoreStatus.Access;

    /// <summary>Listing a directory needs read permission.</summary>
    public static StoreStatus CheckListDirectory(in InodeAttributes directory, AuthContext auth) =>
        ModeAllows(directory, auth, ReadBit) ? StoreStatus.Ok : StoreStatus.Access;

    /// <summary>Adding, removing or renaming an entry needs write and search permission on the directory.</summary>
    public static StoreStatus CheckModifyDirectory(in InodeAttributes directory, AuthContext auth) =>
        ModeAllows(directory, auth, WriteBit | ExecuteBit) ? StoreStatus.Ok : StoreStatus.Access;

    /// <summary>
    /// READ of a regular file. Allowed with r; with x, because a client executing a file reads its pages (Linux nfsd
    /// NFSD_MAY_READ_IF_EXEC, so mode 0111 programs run); and always for the owner, because NFS has no open: a
    /// process that opened a file and then chmod'ed it away must go on reading (nfsd NFSD_MAY_OWNER_OVERRIDE).
    /// </summary>
    public static StoreStatus CheckRead(in InodeAttributes file, AuthContext auth)
    {
        if (CheckDataType(file) is var status and not StoreStatus.Ok)
        {
            return status;
        }
        return auth.Uid == file.Uid || ModeAllows(file, auth, ReadBit) || ModeAllows(file, auth, ExecuteBit)
            ? StoreStatus.Ok
            : StoreStatus.Access;
    }

    /// <summary>
    /// WRITE to (or truncation of) a regular file. Allowed with w, and always for the owner (nfsd
    /// NFSD_MAY_OWNER_OVERRIDE): "cp" of a read-only file creates it 0444 and then writes to it.
    /// </summary>
    public static StoreStatus CheckWrite(in InodeAttributes file, AuthContext auth)
    {
        if (CheckDataType(file) is var status and not StoreStatus.Ok)
        {
            return status;
        }
        return auth.Uid == file.Uid || ModeAllows(file, auth, WriteBit) ? StoreStatus.Ok : StoreStatus.Access;
    }

    /// <summary>Only regular files have data: IsDir for a directory, Inval for anything else (RFC 1813 §3.3.6, §3.3.7).</summary>
    private static StoreStatus CheckDataType(in InodeAttributes file) => file.Type switch
    {
        FileType.Regular => StoreStatus.Ok,
        FileType.Directory => StoreStatus.IsDir,
        _ => StoreStatus.Inval,
    };

    /// <summary>
    /// In a sticky directory only the entry's owner, the directory's owner or root may remove or rename the entry;
    /// others get Perm, as unlink(2) and rename(2).
    /// </summary>
    public static StoreStatus CheckSticky(in InodeAttributes directory, in InodeAttributes entry, AuthContext auth)
    {
        if ((directory.Mode & ModeBits.Sticky) == 0 || auth.IsRoot || auth.Uid == entry.Uid || auth.Uid == directory.Uid)
        {
            return StoreStatus.Ok;
        }
        return StoreStatus.Perm;
    }
}
