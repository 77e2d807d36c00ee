namespace DittoFs.Storage.RocksDb.Consistency;

/// <summary>
/// What an offline check of a metadata database can find. Every namespace change is one atomic batch, so none of
/// these follows from a crash; they come from bugs, damaged disks, or hands in the database. Each says whether
/// <see cref="MetadataChecker"/> repairs it.
/// </summary>
public enum ConsistencyProblem
{
    /// <summary>A record this build cannot decode (damaged, or written by a newer build). Not repaired; no repair runs.</summary>
    UnreadableRecord,

    /// <summary>A key of no kind this build knows (a newer build's?). Not repaired; no repair runs.</summary>
    UnknownRecord,

    /// <summary>Objects but no store identity (generation, salts). Not repaired; no repair runs.</summary>
    MissingIdentity,

    /// <summary>An entry's by-name record without its by-cookie record: READDIR would not list it. Restored.</summary>
    EntryMissingCookieRecord,

    /// <summary>An entry's by-cookie record without its by-name record: LOOKUP would not find it. Restored.</summary>
    EntryMissingNameRecord,

    /// <summary>A by-cookie record whose name is another entry's: READDIR would list a stale entry. Deleted.</summary>
    StrayCookieRecord,

    /// <summary>An entry naming a file id that has no inode. Dropped.</summary>
    DanglingEntry,

    /// <summary>An entry in a directory that does not exist or is not a directory. Dropped.</summary>
    EntryOutsideDirectory,

    /// <summary>An entry naming a share root (roots have no name). Dropped.</summary>
    EntryNamesShareRoot,

    /// <summary>A name no client could have made (empty, ".", "..", '/' or NUL, over 255 bytes). Reported only.</summary>
    InvalidName,

    /// <summary>A directory named by more than one entry. The entry in its recorded parent stays; the others are dropped.</summary>
    DirectoryWithSeveralNames,

    /// <summary>A directory whose recorded parent (its "..") is not the directory naming it. Corrected.</summary>
    WrongParent,

    /// <summary>A share's root record names a missing object or a non-directory. Not repaired; orphans are then not removed.</summary>
    BrokenShareRoot,

    /// <summary>An object whose recorded share root is not the root whose tree holds it (handles are scoped by it). Corrected.</summary>
    WrongShareRoot,

    /// <summary>An object named from the trees of two shares (links never cross shares). Reported only.</summary>
    LinkAcrossShares,

    /// <summary>An object no share root reaches. Removed (with what only it reaches), unless a share root is broken.</summary>
    OrphanInode,

    /// <summary>A directory whose recorded entry count differs from its entries (RMDIR relies on it). Corrected.</summary>
    WrongEntryCount,

    /// <summary>A link count other than the names (files) or 2 + subdirectories (directories). Corrected.</summary>
    WrongLinkCount,

    /// <summary>An entry whose cookie is above its directory's last cookie (the next entry would reuse it). Last cookie raised.</summary>
    CookieBeyondLast,

    /// <summary>An entry at a cookie READDIR reserves for "." and ".." (below 3). Given a new cookie.</summary>
    InvalidCookie,

    /// <summary>A file id above the stored high-water mark (a later file could reuse it). Mark raised.</summary>
    FileIdAboveHighWater,

    /// <summary>A regular file whose content id is not the one its file id gives. Reported only: changing it would lose its bytes.</summary>
    ContentIdMismatch,

    /// <summary>
    /// Content listed as released (its file gone, deletion pending) that a live regular file still has: the server
    /// would delete the file's bytes at its next start. The listing is dropped, never the content.
    /// </summary>
    ReleasedContentInUse,
}
