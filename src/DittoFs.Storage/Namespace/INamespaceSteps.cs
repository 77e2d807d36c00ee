namespace DittoFs.Storage;

/// <summary>
/// What one metadata store does in the namespace changes <see cref="NamespaceChanges{TSteps, TId, TNode, TEntry}"/>
/// runs: how it finds, locks, reads and writes its objects. The order of the steps, the retries and the POSIX
/// checks are the runner's. A struct type argument, so the calls are direct and nothing is allocated per change.
/// </summary>
/// <typeparam name="TId">How the store names an object to look at and lock (the object, its id); default is "none".</typeparam>
/// <typeparam name="TNode">An object as read under its lock (the object itself, a record).</typeparam>
/// <typeparam name="TEntry">A directory entry as read under its directory's lock: what it names, and what the store needs to drop it.</typeparam>
public interface INamespaceSteps<TId, TNode, TEntry>
{
    FileClock Clock { get; }

    /// <summary>
    /// The store-wide lock that renames moving a directory to another parent hold (as Linux's s_vfs_rename_mutex),
    /// so the tree's shape stays still while one checks that a directory is not moved into itself. First in the
    /// lock order: it is taken before any inode lock.
    /// </summary>
    Lock RenameGate { get; }

    /// <summary>
    /// What <paramref name="name"/> names in <paramref name="directory"/> right now (default for nothing, or when it
    /// is no directory or is gone), read before the change's locks, so it can lock both together and confirm.
    /// </summary>
    TId Peek(TId directory, ReadOnlySpan<byte> name);

    /// <summary>Whether an object is a directory, read before the locks: an object's type never changes, so it holds once the entry naming it is confirmed.</summary>
    bool IsDirectory(TId id);

    /// <summary>Adds an object's lock (none for default) to a change's locks, under its key in the store's one lock order.</summary>
    void AddLock(ref OrderedLocks locks, TId id);

    /// <summary>Reads a locked object; false when it is gone.</summary>
    bool TryRead(TId id, out TNode node);

    InodeAttributes AttributesOf(in TNode node);

    /// <summary>The entry <paramref name="name"/> in a locked directory; what it names is default when there is none.</summary>
    TEntry Find(in TNode directory, ReadOnlySpan<byte> name);

    TId ChildOf(in TEntry entry);

    /// <summary>Whether a locked directory has entries (RMDIR and a RENAME over a directory need it empty); false for other types.</summary>
    bool HasEntries(in TNode node);

    /// <summary>
    /// Whether <paramref name="candidate"/> is <paramref name="directory"/> or one of its ancestors. Called with the
    /// rename gate held: only renames holding it change a directory's parent, so the walk up needs no inode locks.
    /// </summary>
    bool IsSelfOrAncestor(in TNode candidate, in TNode directory);

    /// <summary>Takes one of the store's file slots for a new object; false when the store is full (NoSpc).</summary>
    bool TryReserveFileSlot();

    /// <summary>
    /// Writes a checked creation under the directory's lock: the new object (given its identity here) with
    /// <paramref name="attributes"/>, its entry, and the directory's change. Gives the file slot back when it fails.
    /// </summary>
    StoreResult<CreateResult> ApplyCreate(in TNode directory, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes attributes, FileTime now);

    /// <summary>Writes a checked LINK under the locks of directory and object.</summary>
    StoreResult<LinkResult> ApplyLink(in TNode directory, ReadOnlySpan<byte> name, in TNode file);

    /// <summary>Writes a checked REMOVE of a non-directory under the locks of directory and object.</summary>
    StoreResult<RemoveResult> ApplyRemove(in TNode directory, ReadOnlySpan<byte> name, in TEntry entry, in TNode child);

    /// <summary>Writes a checked RMDIR of an empty directory under the locks of both directories.</summary>
    StoreResult<WccData> ApplyRmdir(in TNode directory, ReadOnlySpan<byte> name, in TEntry entry, in TNode child);

    /// <summary>Writes a checked RENAME under the locks of all its parts; <paramref name="unchanged"/> is the answer when the write fails.</summary>
    StoreResult<RenameResult> ApplyRename(in RenameParts<TNode, TEntry> parts, in RenameResult unchanged);

    /// <summary>Reads, with no lock held, the object a CREATE found under its name; false when it is gone since.</summary>
    bool TryReadExisting(TId id, out InodeAttributes attributes, out ulong? createVerifier);

    /// <summary>SETATTR of an object (CREATE UNCHECKED of an existing file sets only its size); Stale when it is gone.</summary>
    StoreResult<WccData> ChangeAttributes(AuthContext auth, TId id, in SetAttributes changes);
}
