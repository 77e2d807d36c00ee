namespace DittoFs.Storage.RocksDb;

/// <summary>
/// Serializes changes to the same inode: a fixed table of locks, an inode's lock chosen by its id. An operation
/// takes the locks of every inode it changes (at most four: two directories and two entries of a RENAME) at
/// once, in ascending table order and each only once (<see cref="OrderedLocks"/>), so there is one global lock
/// order and no deadlock.
/// Unrelated inodes sometimes share a lock, which costs only concurrency. Reads take no lock: each record is
/// read whole from RocksDB, and every change is one atomic batch.
/// </summary>
internal sealed class InodeLocks
{
    private const int StripeBits = 10;

    private readonly Lock[] _stripes = new Lock[1 << StripeBits];

    public InodeLocks()
    {
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    /// <summary>Locks one inode (a change of its attributes).</summary>
    public OrderedLocks Enter(ulong fileId)
    {
        var locks = new OrderedLocks();
        Add(ref locks, fileId);
        locks.EnterAll();
        return locks;
    }

    /// <summary>Adds the lock of the inode with id <paramref name="fileId"/> to a change's locks; 0 stands for "none" (no file has id 0).</summary>
    public void Add(ref OrderedLocks locks, ulong fileId)
    {
        if (fileId != 0)
        {
            int stripe = StripeOf(fileId);
            locks.Add((ulong)stripe, _stripes[stripe]);
        }
    }

    // Fibonacci hashing: consecutive ids (the common case) land on different stripes.
    private static int StripeOf(ulong fileId) => (int)((fileId * 0x9E3779B97F4A7C15) >> (64 - StripeBits));
}
