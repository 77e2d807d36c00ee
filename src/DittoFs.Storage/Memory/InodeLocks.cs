namespace DittoFs.Storage.Memory;

/// <summary>
/// Locks up to four inodes of a <see cref="MemoryMetadataStore"/> together: each inode's own gate, in ascending
/// file id order (<see cref="OrderedLocks"/>), so lock order is one global order.
/// </summary>
internal static class InodeLocks
{
    public static OrderedLocks Enter(Inode first, Inode? second = null, Inode? third = null, Inode? fourth = null)
    {
        var locks = new OrderedLocks();
        Add(ref locks, first);
        Add(ref locks, second);
        Add(ref locks, third);
        Add(ref locks, fourth);
        locks.EnterAll();
        return locks;
    }

    private static void Add(ref OrderedLocks locks, Inode? inode)
    {
        if (inode is not null)
        {
            locks.Add(inode.Id, inode.Gate);
        }
    }
}
