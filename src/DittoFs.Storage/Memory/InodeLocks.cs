namespace DittoFs.Storage.Memory;

/// <summary>
/// The lock order of a <see cref="MemoryMetadataStore"/>: each inode has its own gate, and a change locking several
/// takes them in ascending file id order (<see cref="OrderedLocks"/>), so lock order is one global order.
/// </summary>
internal static class InodeLocks
{
    /// <summary>Adds the gate of <paramref name="inode"/> (none when null) to a change's locks.</summary>
    public static void Add(ref OrderedLocks locks, Inode? inode)
    {
        if (inode is not null)
        {
            locks.Add(inode.Id, inode.Gate);
        }
    }
}
