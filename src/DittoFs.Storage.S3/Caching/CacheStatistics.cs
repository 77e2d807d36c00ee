namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// Counts of the block cache since the store opened, read by the server's metrics when scraped. A hit is a block
/// read served without fetching it (from memory, from disk, or by joining a fetch already under way); a miss is a
/// block fetched from S3 for the read that needed it.
/// </summary>
public sealed class CacheStatistics
{
    internal long MemoryHitCount;
    internal long DiskHitCount;
    internal long MissCount;
    internal long MemoryEvictionCount;
    internal long DiskEvictionCount;
    internal long StaleCount;
    internal long ReadAheadCount;
    internal long MemoryByteCount;
    internal long DiskByteCount;

    /// <summary>Block reads served from memory, or by a fetch another read or the read-ahead had started.</summary>
    public long MemoryHits => Volatile.Read(ref MemoryHitCount);

    /// <summary>Block reads served from the disk cache.</summary>
    public long DiskHits => Volatile.Read(ref DiskHitCount);

    /// <summary>Block reads that fetched the block from S3.</summary>
    public long Misses => Volatile.Read(ref MissCount);

    /// <summary>Blocks dropped from memory to stay under the memory size.</summary>
    public long MemoryEvictions => Volatile.Read(ref MemoryEvictionCount);

    /// <summary>Block files deleted to stay under the disk size.</summary>
    public long DiskEvictions => Volatile.Read(ref DiskEvictionCount);

    /// <summary>Cached blocks found to be older than the object in S3 (another writer changed it) and dropped.</summary>
    public long Stale => Volatile.Read(ref StaleCount);

    /// <summary>Blocks fetched ahead of a sequential reader.</summary>
    public long ReadAhead => Volatile.Read(ref ReadAheadCount);

    /// <summary>Bytes of blocks held in memory now.</summary>
    public long MemoryBytes => Volatile.Read(ref MemoryByteCount);

    /// <summary>Bytes of block files on disk now.</summary>
    public long DiskBytes => Volatile.Read(ref DiskByteCount);
}
