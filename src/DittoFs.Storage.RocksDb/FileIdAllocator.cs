namespace DittoFs.Storage.RocksDb;

/// <summary>
/// Hands out file ids that are never reused, restarts and crashes included, without a synced write per id.
/// Ids are reserved in blocks: before an id beyond the stored high-water mark is handed out, a new mark one block
/// further is written and synced. After a restart counting resumes above the stored mark, so ids handed out (or
/// merely reserved) before can never come back; at most one block per restart is skipped.
/// A counter written in each create's own batch would not do: concurrent batches land in any order, and an
/// older, lower value could be the last one written.
/// </summary>
internal sealed class FileIdAllocator
{
    private const ulong BlockSize = 4096;

    private readonly MetadataDatabase _database;
    private readonly Lock _reserveGate = new();
    private long _last;
    private long _reserved;

    public FileIdAllocator(MetadataDatabase database)
    {
        _database = database;
        // A new database has no mark: ids then start at 1, never 0 (a file id of 0 has crashed clients).
        _last = _reserved = (long)database.ReadFileIdHighWater();
    }

    /// <summary>The next id, or the failure to reserve more (the id is then skipped, never handed out).</summary>
    public StoreStatus Next(out ulong fileId)
    {
        long id = Interlocked.Increment(ref _last);
        fileId = (ulong)id;
        if (id <= Volatile.Read(ref _reserved))
        {
            return StoreStatus.Ok;
        }
        lock (_reserveGate)
        {
            if (id <= _reserved)
            {
                return StoreStatus.Ok;
            }
            long highWater = id + (long)BlockSize;
            var status = _database.WriteFileIdHighWater((ulong)highWater);
            if (status == StoreStatus.Ok)
            {
                Volatile.Write(ref _reserved, highWater);
            }
            return status;
        }
    }
}
