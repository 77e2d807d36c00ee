using System.Diagnostics.CodeAnalysis;

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
    /// How a store finds a name in the directory <see cref="CheckCreate"/> checks. A struct type argument, so the
    /// call is direct and nothing is allocated per request.
    /// </summary>
    /// <typeparam name="TEntry">What a found name is to the store (an object, an id).</typeparam>
    public interface IEntryLookup<TEntry>
    {
        /// <summary>Whether <paramref name="name"/> exists; <paramref name="entry"/> is what it names, default if not.</summary>
        bool TryFind(ReadOnlySpan<byte> name, [MaybeNullWhen(false)] out TEntry entry);
    }

    /// <summary>
    /// The checks before CREATE, MKDIR, SYMLINK or MKNOD adds <paramref name="name"/> to <paramref name="directory"/>,
    /// in the order that decides which failure is reported: the parent is a directory and the name is valid, the
    /// procedure's own <paramref name="typeCheck"/>, search permission, the name is free (Exist, with
    /// <paramref name="existing"/> set for CREATE's modes to decide on), modify permission, then the new object's
    /// attributes. <paramref name="entries"/> is asked only after search permission passed, so a caller without it
    /// learns nothing of the names; the clock is read only once every check before the attributes passed.
    /// A store's own limits (a file slot) come after this.
    /// </summary>
    public static StoreStatus CheckCreate<TLookup, TEntry>(
        in InodeAttributes directory, ReadOnlySpan<byte> name, StoreStatus typeCheck, AuthContext auth, in TLookup entries,
        FileType type, in SetAttributes requested, FileClock clock, out TEntry? existing, out FileTime now, out InodeAttributes attributes)
        where TLookup : struct, IEntryLookup<TEntry>
    {
        existing = default;
        now = default;
        attributes = default;
        var status = directory.Type == FileType.Directory ? CheckNewName(name) : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = typeCheck;
        }
        if (status == StoreStatus.Ok)
        {
            status = CheckSearch(directory, auth);
        }
        if (status == StoreStatus.Ok && entries.TryFind(name, out var found))
        {
            existing = found;
            status = StoreStatus.Exist;
        }
        if (status == StoreStatus.Ok)
        {
            status = CheckModifyDirectory(directory, auth);
        }
        if (status == StoreStatus.Ok)
        {
            now = clock.Now();
            status = InitialAttributes(directory, auth, type, requested, now, out attributes);
        }
        return status;
    }

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

    /// <summary>A share's root directory as a store first makes it (no file id or identity yet: the store gives those).</summary>
    public static InodeAttributes NewShareRoot(uint mode, uint uid, uint gid, FileTime now) => new()
    {
        Type = FileType.Directory,
        Mode = mode & ModeBits.All,
        LinkCount = 2,
        Uid = uid,
        Gid = gid,
        Size = DirectorySize,
        Used = DirectorySize,
        AccessTime = now,
        ModifyTime = now,
        ChangeTime = now,
    };

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
