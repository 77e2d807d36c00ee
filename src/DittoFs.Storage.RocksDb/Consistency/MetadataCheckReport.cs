namespace DittoFs.Storage.RocksDb.Consistency;

/// <summary>What <see cref="MetadataChecker"/> found in one database, and what it repaired.</summary>
public sealed class MetadataCheckReport
{
    public required IReadOnlyList<ConsistencyFinding> Findings { get; init; }

    /// <summary>Whether repairs were asked for and written.</summary>
    public bool RepairsApplied { get; init; }

    /// <summary>Why repairs were asked for but not made (records this build cannot read), or null.</summary>
    public string? RepairRefused { get; init; }

    public ulong Inodes { get; init; }
    public ulong Directories { get; init; }
    public ulong Entries { get; init; }

    /// <summary>The high half every content id of this store has (0 when the store has no identity).</summary>
    public ulong ContentIdPrefix { get; init; }

    /// <summary>Share name to root directory id.</summary>
    public required IReadOnlyDictionary<string, ulong> ShareRoots { get; init; }

    /// <summary>
    /// The content of every regular file (after repairs, when made) with the file's size: content of this store's
    /// prefix that is not here belongs to no file; content longer than its size holds bytes no client can read.
    /// </summary>
    public required IReadOnlyDictionary<ContentId, ulong> Content { get; init; }

    /// <summary>
    /// Content released by a removal and not deleted yet (after repairs, when made): the server deletes it at its
    /// next start. None of it is in <see cref="Content"/> once the check is clean.
    /// </summary>
    public required IReadOnlySet<ContentId> ReleasedContent { get; init; }

    public bool IsClean => Findings.Count == 0;

    /// <summary>Whether a content id is this store's (the high half is its prefix), and so must be in <see cref="Content"/> to be live.</summary>
    public bool Owns(ContentId content) => ContentIdPrefix != 0 && (ulong)(content.Value >> 64) == ContentIdPrefix;
}
