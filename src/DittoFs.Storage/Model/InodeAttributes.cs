namespace DittoFs.Storage;

/// <summary>
/// The attributes of one file system object (fattr3, RFC 1813 §2.5, plus what a handle and the content store
/// need). Named for the inode rather than "FileAttributes" so it does not collide with System.IO's enum in
/// code that imports both.
/// </summary>
public readonly record struct InodeAttributes
{
    public FileType Type { get; init; }

    /// <summary>Permission bits with set-uid, set-gid and sticky; never file-type bits (see <see cref="ModeBits"/>).</summary>
    public uint Mode { get; init; }

    /// <summary>Names that refer to the object; for a directory 2 + its subdirectories.</summary>
    public uint LinkCount { get; init; }

    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public ulong Size { get; init; }

    /// <summary>Bytes of storage the object uses.</summary>
    public ulong Used { get; init; }

    /// <summary>Major/minor of a block or character device; zero otherwise.</summary>
    public DeviceNumber Device { get; init; }

    /// <summary>Unique within the store, never 0 (a fileid of 0 has crashed macOS clients), never reused.</summary>
    public ulong FileId { get; init; }

    public uint Generation { get; init; }

    /// <summary>Where a regular file's bytes live; <see cref="ContentId.None"/> for other types.</summary>
    public ContentId ContentId { get; init; }

    public FileTime AccessTime { get; init; }
    public FileTime ModifyTime { get; init; }
    public FileTime ChangeTime { get; init; }

    public FileRef Ref => new(FileId, Generation);

    /// <summary>The subset kept as pre-operation attributes in WCC data.</summary>
    public WccAttributes ToWcc() => new(Size, ModifyTime, ChangeTime);
}
