namespace DittoFs.Storage;

public static partial class PosixRules
{
    private const uint DefaultFileMode = 0x1A4;      // 0644
    private const uint DefaultDirectoryMode = 0x1ED; // 0755
    private const uint SymlinkMode = 0x1FF;          // 0777: a link's own mode is never checked

    /// <summary>The SETATTR guard (RFC 1813 §3.3.2): NotSync unless the expected ctime is the file's.</summary>
    public static StoreStatus CheckGuard(in InodeAttributes file, FileTime? guardChangeTime) =>
        guardChangeTime is { } expected && expected != file.ChangeTime ? StoreStatus.NotSync : StoreStatus.Ok;

    /// <summary>
    /// SETATTR: checks who may change what and computes the new attributes. chmod and utimes-to-a-given-time:
    /// owner or root (Perm). chown: root only; the owner may change the group to one of their groups (Perm).
    /// utimes-to-now: also anyone with write permission (Access). Size: a regular file the caller may write
    /// (IsDir / Inval / Access / FBig). A non-root chown or chgrp of a non-directory clears set-uid and set-gid.
    /// Any non-empty request moves ctime; a size change moves mtime unless mtime is set explicitly.
    /// Setting uid or gid to the current value is not a change (Finder sends such requests).
    /// </summary>
    public static StoreStatus ApplySetAttributes(in InodeAttributes file, in SetAttributes changes, AuthContext auth, FileTime now, out InodeAttributes result)
    {
        result = file;
        if (changes.IsEmpty)
        {
            return StoreStatus.Ok;
        }
        bool ownerOrRoot = IsOwnerOrRoot(file, auth);
        uint uid = changes.Uid ?? file.Uid;
        uint gid = changes.Gid ?? file.Gid;
        bool ownerChanges = uid != file.Uid;
        bool groupChanges = gid != file.Gid;
        if (ownerChanges && !auth.IsRoot)
        {
            return StoreStatus.Perm;
        }
        if (groupChanges && !auth.IsRoot && !(auth.Uid == file.Uid && auth.IsMemberOf(gid)))
        {
            return StoreStatus.Perm;
        }
        if (changes.Mode is not null && !ownerOrRoot)
        {
            return StoreStatus.Perm;
        }
        if (CheckTimeChange(changes.AccessTime, file, auth) is var atimeStatus and not StoreStatus.Ok)
        {
            return atimeStatus;
        }
        if (CheckTimeChange(changes.ModifyTime, file, auth) is var mtimeStatus and not StoreStatus.Ok)
        {
            return mtimeStatus;
        }
        if (changes.Size is { } requestedSize)
        {
            if (requestedSize > MaxFileSize && file.Type == FileType.Regular)
            {
                return StoreStatus.FBig;
            }
            if (CheckWrite(file, auth) is var sizeStatus and not StoreStatus.Ok)
            {
                return sizeStatus;
            }
        }

        uint mode = file.Mode;
        if (changes.Mode is { } requestedMode && file.Type != FileType.Symlink)
        {
            mode = requestedMode & ModeBits.All;
            // chmod(2): set-gid on a file of a group the caller is not in is dropped silently.
            if (!auth.IsRoot && !auth.IsMemberOf(gid))
            {
                mode &= ~ModeBits.SetGid;
            }
        }
        if ((ownerChanges || groupChanges) && !auth.IsRoot && file.Type != FileType.Directory)
        {
            mode &= ~(ModeBits.SetUid | ModeBits.SetGid);
        }
        ulong size = changes.Size ?? file.Size;
        var modifyTime = ResolveTime(changes.ModifyTime, file.ModifyTime, now);
        if (size != file.Size && changes.ModifyTime.Kind == TimeChangeKind.DontChange)
        {
            modifyTime = now;
        }
        result = file with
        {
            Mode = mode,
            Uid = uid,
            Gid = gid,
            Size = size,
            Used = UsedBytes(file.Type, size),
            AccessTime = ResolveTime(changes.AccessTime, file.AccessTime, now),
            ModifyTime = modifyTime,
            ChangeTime = now,
        };
        return StoreStatus.Ok;
    }

    private static StoreStatus CheckTimeChange(TimeChange change, in InodeAttributes file, AuthContext auth) => change.Kind switch
    {
        TimeChangeKind.DontChange => StoreStatus.Ok,
        // utimes(2) with times: owner or root only.
        TimeChangeKind.SetToClientTime when !IsOwnerOrRoot(file, auth) => StoreStatus.Perm,
        TimeChangeKind.SetToClientTime => change.ClientTime.IsValid ? StoreStatus.Ok : StoreStatus.Inval,
        // utimes(2) with NULL: also anyone who may write the file.
        TimeChangeKind.SetToServerTime => IsOwnerOrRoot(file, auth) || ModeAllows(file, auth, WriteBit) ? StoreStatus.Ok : StoreStatus.Access,
        _ => StoreStatus.Inval,
    };

    private static FileTime ResolveTime(TimeChange change, FileTime current, FileTime now) => change.Kind switch
    {
        TimeChangeKind.SetToClientTime => change.ClientTime,
        TimeChangeKind.SetToServerTime => now,
        _ => current,
    };

    /// <summary>
    /// The attributes of a new object in <paramref name="directory"/> (file id, generation, content id, device and a
    /// symlink's size are the caller's to fill). Owner is the caller; group is the caller's, or the directory's when
    /// the directory is set-gid (which a new subdirectory inherits). Requested uid/gid other than these need root
    /// (a group the caller is in is allowed), as a chown right after creation would. Mode defaults to 0644
    /// (directories 0755); symlinks are always 0777. A requested size applies to regular files only.
    /// </summary>
    public static StoreStatus InitialAttributes(in InodeAttributes directory, AuthContext auth, FileType type, in SetAttributes requested, FileTime now, out InodeAttributes result)
    {
        result = default;
        bool setGidDirectory = (directory.Mode & ModeBits.SetGid) != 0;
        uint uid = auth.Uid;
        uint gid = setGidDirectory ? directory.Gid : auth.Gid;
        if (requested.Uid is { } requestedUid && requestedUid != uid)
        {
            if (!auth.IsRoot)
            {
                return StoreStatus.Perm;
            }
            uid = requestedUid;
        }
        if (requested.Gid is { } requestedGid && requestedGid != gid)
        {
            if (!auth.IsRoot && !auth.IsMemberOf(requestedGid))
            {
                return StoreStatus.Perm;
            }
            gid = requestedGid;
        }

        uint mode = type switch
        {
            FileType.Symlink => SymlinkMode,
            FileType.Directory => (requested.Mode ?? DefaultDirectoryMode) & ModeBits.All,
            _ => (requested.Mode ?? DefaultFileMode) & ModeBits.All,
        };
        if (type == FileType.Directory && setGidDirectory)
        {
            mode |= ModeBits.SetGid;
        }
        else if ((mode & ModeBits.SetGid) != 0 && !auth.IsRoot && !auth.IsMemberOf(gid))
        {
            mode &= ~ModeBits.SetGid;
        }

        ulong size = type == FileType.Directory ? DirectorySize : 0;
        if (type == FileType.Regular && requested.Size is { } requestedSize)
        {
            if (requestedSize > MaxFileSize)
            {
                return StoreStatus.FBig;
            }
            size = requestedSize;
        }
        if (requested.AccessTime.Kind == TimeChangeKind.SetToClientTime && !requested.AccessTime.ClientTime.IsValid
            || requested.ModifyTime.Kind == TimeChangeKind.SetToClientTime && !requested.ModifyTime.ClientTime.IsValid)
        {
            return StoreStatus.Inval;
        }

        result = new InodeAttributes
        {
            Type = type,
            Mode = mode,
            LinkCount = type == FileType.Directory ? 2u : 1u,
            Uid = uid,
            Gid = gid,
            Size = size,
            Used = UsedBytes(type, size),
            AccessTime = ResolveTime(requested.AccessTime, now, now),
            ModifyTime = ResolveTime(requested.ModifyTime, now, now),
            ChangeTime = now,
        };
        return StoreStatus.Ok;
    }

    /// <summary>
    /// The attributes <see cref="IMetadataStore.RevertAttributesAsync"/> puts back: <paramref name="current"/> with the
    /// settable part (mode, owner, size, times) of <paramref name="original"/>, if the file is still exactly as the
    /// change left it (<paramref name="changed"/>); NotSync if anything changed it since.
    /// </summary>
    public static StoreStatus Revert(in InodeAttributes current, in InodeAttributes changed, in InodeAttributes original, out InodeAttributes result)
    {
        result = current;
        if (current != changed)
        {
            return StoreStatus.NotSync;
        }
        result = current with
        {
            Mode = original.Mode,
            Uid = original.Uid,
            Gid = original.Gid,
            Size = original.Size,
            Used = original.Used,
            AccessTime = original.AccessTime,
            ModifyTime = original.ModifyTime,
            ChangeTime = original.ChangeTime,
        };
        return StoreStatus.Ok;
    }

    /// <summary>FBig when a write of <paramref name="count"/> bytes at <paramref name="offset"/> would end past <see cref="MaxFileSize"/>.</summary>
    public static StoreStatus CheckWriteRange(ulong offset, ulong count) =>
        count > MaxFileSize || offset > MaxFileSize - count ? StoreStatus.FBig : StoreStatus.Ok;

    /// <summary>
    /// The attributes after a WRITE: size max(size, offset + count), mtime and ctime now. A writer other than root
    /// clears set-uid, and set-gid where group-execute is set (set-gid without it marks mandatory locking, not
    /// privilege), as Linux file_remove_privs does. A zero-byte write changes nothing.
    /// </summary>
    public static InodeAttributes ApplyWrite(in InodeAttributes file, AuthContext auth, ulong offset, uint count, FileTime now)
    {
        if (count == 0)
        {
            return file;
        }
        ulong size = Math.Max(file.Size, offset + count);
        uint mode = file.Mode;
        if (!auth.IsRoot)
        {
            mode &= ~ModeBits.SetUid;
            if ((mode & ModeBits.GroupExecute) != 0)
            {
                mode &= ~ModeBits.SetGid;
            }
        }
        return file with { Size = size, Used = UsedBytes(file.Type, size), Mode = mode, ModifyTime = now, ChangeTime = now };
    }

    /// <summary>
    /// Bytes reported as used. Regular files report their size: the content store keeps holes unallocated but
    /// does not report allocation per file.
    /// </summary>
    public static ulong UsedBytes(FileType type, ulong size) => type == FileType.Directory ? DirectorySize : size;
}
