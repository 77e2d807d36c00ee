namespace DittoFs.Storage;

public static partial class PosixRules
{
    /// <summary>
    /// MKNOD (RFC 1813 §3.3.11): FIFOs and sockets for anyone, block and character devices for root only (mknod(2)
    /// EPERM); regular files, directories and symlinks have their own procedures, so BadType.
    /// </summary>
    public static StoreStatus CheckMknodType(FileType type, AuthContext auth) => type switch
    {
        FileType.Fifo or FileType.Socket => StoreStatus.Ok,
        FileType.BlockDevice or FileType.CharDevice => auth.IsRoot ? StoreStatus.Ok : StoreStatus.Perm,
        _ => StoreStatus.BadType,
    };

    /// <summary>
    /// Whether RENAME may replace <paramref name="target"/> with <paramref name="source"/>, as rename(2) on Linux:
    /// a directory only replaces an empty directory (NotDir / NotEmpty), a non-directory only a non-directory
    /// (IsDir). RFC 1813 §3.3.14 suggests Exist for all three; the specific errors tell the client more.
    /// </summary>
    public static StoreStatus CheckReplace(in InodeAttributes source, in InodeAttributes target, bool targetIsEmpty)
    {
        bool sourceIsDirectory = source.Type == FileType.Directory;
        bool targetIsDirectory = target.Type == FileType.Directory;
        if (sourceIsDirectory && !targetIsDirectory)
        {
            return StoreStatus.NotDir;
        }
        if (!sourceIsDirectory && targetIsDirectory)
        {
            return StoreStatus.IsDir;
        }
        return targetIsDirectory && !targetIsEmpty ? StoreStatus.NotEmpty : StoreStatus.Ok;
    }

    /// <summary>A directory after an entry was added, removed or renamed: mtime and ctime now, link count moved by the change in subdirectories.</summary>
    public static InodeAttributes AfterEntryChange(in InodeAttributes directory, FileTime now, int subdirectoryDelta = 0) =>
        directory with
        {
            LinkCount = (uint)(directory.LinkCount + subdirectoryDelta),
            ModifyTime = now,
            ChangeTime = now,
        };

    /// <summary>An object whose link count moved (LINK, REMOVE, a replaced RENAME target): ctime now.</summary>
    public static InodeAttributes AfterLinkCountChange(in InodeAttributes file, FileTime now, int delta) =>
        file with { LinkCount = (uint)(file.LinkCount + delta), ChangeTime = now };
}
