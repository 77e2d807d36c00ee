namespace DittoFs.Storage.RocksDb.Records;

/// <summary>
/// Everything stored about one object: its attributes, and what only some types have. A default record (file id 0)
/// means "not found": file ids are never 0.
/// </summary>
internal readonly record struct InodeRecord
{
    public InodeAttributes Attributes { get; init; }

    /// <summary>
    /// The share root the object lives under (a root's is its own id), so a handle scoped to one share cannot name
    /// another share's object (<see cref="FileRef.Root"/>). Fixed at creation: links and renames never cross roots.
    /// 0 only in records of format-1 databases before <see cref="ShareRootMigration"/> ran.
    /// </summary>
    public ulong RootId { get; init; }

    /// <summary>Directories: the directory whose entry names this one; a share root is its own parent.</summary>
    public ulong ParentId { get; init; }

    /// <summary>
    /// Directories: the last READDIR cookie handed out (below <see cref="DirectoryCookie.FirstEntry"/> when none).
    /// Each new entry takes the next one, so cookies are never reused within a directory and survive restarts.
    /// </summary>
    public ulong LastCookie { get; init; }

    /// <summary>Directories: how many entries (RMDIR and RENAME over a directory need "empty").</summary>
    public ulong EntryCount { get; init; }

    /// <summary>Regular files made by an exclusive CREATE: its verifier, so a retry finds its own file (RFC 1813 §3.3.8).</summary>
    public ulong? CreateVerifier { get; init; }

    /// <summary>Symbolic links: the target bytes.</summary>
    public byte[]? SymlinkTarget { get; init; }

    public ulong Id => Attributes.FileId;
    public bool Exists => Attributes.FileId != 0;
    public bool IsDirectory => Attributes.Type == FileType.Directory;

    /// <summary>A new directory's record: no entries and no cookie handed out yet.</summary>
    public static InodeRecord NewDirectory(in InodeAttributes attributes, ulong parentId, ulong rootId) => new()
    {
        Attributes = attributes,
        RootId = rootId,
        ParentId = parentId,
        LastCookie = DirectoryCookie.FirstEntry - 1,
    };
}
