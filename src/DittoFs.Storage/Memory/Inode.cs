namespace DittoFs.Storage.Memory;

/// <summary>
/// One object of a <see cref="MemoryMetadataStore"/>. Mutable state is guarded by <see cref="Gate"/>; what never
/// changes after creation (id, type, symlink target, exclusive-create verifier) is read without it.
/// </summary>
internal sealed class Inode
{
    /// <param name="rootId">The share root the object lives under; 0 makes the object a root (its own).</param>
    public Inode(InodeAttributes attributes, ulong rootId = 0, byte[]? symlinkTarget = null, ulong? createVerifier = null)
    {
        Id = attributes.FileId;
        RootId = rootId == 0 ? attributes.FileId : rootId;
        Type = attributes.Type;
        Attributes = attributes;
        SymlinkTarget = symlinkTarget;
        CreateVerifier = createVerifier;
        if (attributes.Type == FileType.Directory)
        {
            Entries = new DirectoryEntries();
            Parent = this;
        }
    }

    public ulong Id { get; }

    /// <summary>File id of the share root the object lives under (a root's is its own); fixed, since nothing moves between roots.</summary>
    public ulong RootId { get; }
    public FileType Type { get; }
    public bool IsDirectory => Type == FileType.Directory;
    public byte[]? SymlinkTarget { get; }

    /// <summary>The verifier of an exclusive CREATE, kept so a retried CREATE finds its own file (RFC 1813 §3.3.8).</summary>
    public ulong? CreateVerifier { get; }

    public Lock Gate { get; } = new();

    /// <summary>Guarded by <see cref="Gate"/>.</summary>
    public InodeAttributes Attributes;

    /// <summary>Set, under <see cref="Gate"/>, when the last name went: handles of the object are then stale.</summary>
    public bool IsRemoved;

    /// <summary>Directories only; guarded by <see cref="Gate"/>.</summary>
    public DirectoryEntries? Entries { get; }

    /// <summary>
    /// Directories only: the directory whose entry names this one; a root is its own parent. Changed only by
    /// cross-directory renames of directories, which hold the store's rename gate, so a walk up the tree under
    /// that gate needs no inode locks.
    /// </summary>
    public Inode? Parent;
}
