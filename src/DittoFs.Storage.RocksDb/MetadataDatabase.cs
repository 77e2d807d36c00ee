using System.Buffers.Binary;
using DittoFs.Storage.RocksDb.Records;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb;

/// <summary>
/// The RocksDB database under a metadata store: typed reads of its records (<see cref="MetadataKeys"/>), batches
/// applied atomically, and the WAL sync that makes them durable. Thread-safe, as RocksDB is.
/// <para>
/// Durability: <see cref="Apply"/> writes a batch to the WAL and memtable without syncing, so a process crash
/// keeps it; <see cref="MakeDurable"/> fsyncs the WAL and with it every batch applied before, while other batches
/// go on being applied; <see cref="WalSyncer"/> shares one such sync among all the changes waiting for it. The WAL is replayed to its last complete batch after
/// a crash (point-in-time recovery), so what survives is always a prefix of the applied batches.
/// </para>
/// </summary>
internal sealed class MetadataDatabase : IDisposable
{
    private readonly RocksDbSharp.RocksDb _db;
    private readonly DbOptions _options;
    private readonly WriteOptions _unsynced = new();
    private readonly WriteOptions _synced = new WriteOptions().SetSync(true);
    private volatile bool _disposed;

    private MetadataDatabase(DbOptions options, string path)
    {
        _options = options;
        _db = RocksDbSharp.RocksDb.Open(options, path);
    }

    /// <param name="blockCacheBytes">The block cache's capacity, for data blocks of the tables on disk.</param>
    /// <param name="statistics">
    /// Whether RocksDB counts its work (reads, block cache hits and misses: <see cref="Statistics"/>), for
    /// benchmarks; it costs a few percent of every call.
    /// </param>
    public static MetadataDatabase Open(string path, long blockCacheBytes = RocksDbMetadataStore.DefaultBlockCacheBytes, bool statistics = false)
    {
        Directory.CreateDirectory(path);
        var options = Options(createIfMissing: true, blockCacheBytes);
        if (statistics)
        {
            options.EnableStatistics();
        }
        return new MetadataDatabase(options, path);
    }

    /// <summary>Opens a database that must exist (an offline check never creates one); throws RocksDbException otherwise.</summary>
    public static MetadataDatabase OpenExisting(string path) =>
        new(Options(createIfMissing: false, RocksDbMetadataStore.DefaultBlockCacheBytes), path);

    /// <summary>RocksDB's counters as text ("rocksdb.block.cache.miss COUNT : 12" a line), empty unless opened with statistics.</summary>
    public string Statistics()
    {
        ThrowIfDisposed();
        return _options.GetStatisticsString() ?? "";
    }

    /// <summary>
    /// Every LOOKUP and GETATTR is one to three point reads (<see cref="GetInode"/>, <see cref="GetEntry"/>), and a
    /// point read asks the memtables, then every level-0 table, then one table per deeper level. Without a filter
    /// each table asked reads a data block (from the cache, or the disk and decompressed) just to find the key is
    /// not there; a Bloom filter per table (10 bits per key, about 1 % false positives) answers that from memory.
    /// Index and filter blocks stay beside the block cache, in the table readers (4.3 MiB for 1M files), not in
    /// it: charged to a cache that data blocks fill, a large table's whole filter block (megabytes) was evicted and
    /// read again from disk for point reads, which made reads of a 1M-file store 20-40 times slower.
    /// <para>
    /// The block cache is a HyperClockCache, not an LRU cache: an LRU cache takes a shard's mutex and moves the
    /// block in its list on every hit, and at 1M files its hash table and list were 14 % of the CPU samples of
    /// random reads (the table's chains and the list's neighbours are cache misses once the blocks do not fit the
    /// CPU's caches); a clock cache finds a block with one probe and no lock. Data blocks carry a hash index besides
    /// their binary one (kDataBlockBinaryAndHash, 3-5 % larger tables): a point read finds its key in a block with
    /// one probe instead of a binary search over the restart points and a scan. Both read tables of either kind: a
    /// store written before keeps working, and its tables gain the hash index as compactions rewrite them.
    /// </para>
    /// </summary>
    private static DbOptions Options(bool createIfMissing, long blockCacheBytes)
    {
        var table = new BlockBasedTableOptions()
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false));
        // 0: the clock cache sizes its table by itself; the options hold the cache, so the handle goes at once.
        IntPtr cache = Native.Instance.rocksdb_cache_create_hyper_clock((UIntPtr)(ulong)blockCacheBytes, UIntPtr.Zero);
        Native.Instance.rocksdb_block_based_options_set_block_cache(table.Handle, cache);
        Native.Instance.rocksdb_cache_destroy(cache);
        const int DataBlockBinaryAndHash = 1;
        Native.Instance.rocksdb_block_based_options_set_data_block_index_type(table.Handle, DataBlockBinaryAndHash);
        return new DbOptions()
            .SetCreateIfMissing(createIfMissing)
            .SetWalRecoveryMode(Recovery.PointInTime)
            // RocksDB's own info logs (LOG, LOG.old.*) grow without bound by default.
            .SetKeepLogFileNum(4)
            .SetMaxLogFileSize(16 * 1024 * 1024)
            .SetBlockBasedTableFactory(table);
    }

    public InodeRecord GetInode(ulong fileId, ReadOptions? readOptions = null)
    {
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[MetadataKeys.InodeLength];
        return _db.Get(MetadataKeys.Inode(key, fileId), InodeRecordCodec.Instance, null, readOptions);
    }

    /// <summary>The entry <paramref name="name"/> of a directory (a default entry when there is none).</summary>
    public EntryRecords.NamedEntry GetEntry(ulong directoryId, ReadOnlySpan<byte> name)
    {
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[MetadataKeys.MaxEntryByNameLength];
        Span<byte> value = stackalloc byte[EntryRecords.ByNameLength];
        return _db.GetFixedSizeValue(MetadataKeys.EntryByName(key, directoryId, name), value, null, null)
            ? EntryRecords.ReadByName(value)
            : default;
    }

    /// <summary>The root directory id of a share, 0 when the share has none yet.</summary>
    public ulong GetShareRoot(string shareName)
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        return _db.GetFixedSizeValue(MetadataKeys.ShareRoot(shareName), value, null, null)
            ? BinaryPrimitives.ReadUInt64LittleEndian(value)
            : 0;
    }

    /// <summary>The database's identity, created (and synced) on first open.</summary>
    public StoreIdentity ReadOrCreateIdentity()
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[StoreIdentity.Length];
        if (_db.GetFixedSizeValue(MetadataKeys.Identity, value, null, null))
        {
            return StoreIdentity.Read(value);
        }
        var identity = StoreIdentity.CreateRandom();
        identity.Write(value);
        _db.Put(MetadataKeys.Identity, value, null, _synced);
        return identity;
    }

    /// <summary>Rewrites the identity (synced), e.g. with a new format once a migration is done.</summary>
    public void WriteIdentity(StoreIdentity identity)
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[StoreIdentity.Length];
        identity.Write(value);
        _db.Put(MetadataKeys.Identity, value, null, _synced);
    }

    /// <summary>The root directory id of every share, in share-name order.</summary>
    public List<ulong> ListShareRoots()
    {
        ThrowIfDisposed();
        var roots = new List<ulong>();
        using var iterator = _db.NewIterator(null, new ReadOptions().SetFillCache(false));
        for (iterator.Seek(MetadataKeys.ShareRange); iterator.Valid() && iterator.GetKeySpan().StartsWith(MetadataKeys.ShareRange); iterator.Next())
        {
            roots.Add(BinaryPrimitives.ReadUInt64LittleEndian(iterator.GetValueSpan()));
        }
        return roots;
    }

    /// <summary>The child id of every entry of a directory, in cookie order.</summary>
    public List<ulong> ListChildren(ulong directoryId)
    {
        ThrowIfDisposed();
        Span<byte> range = stackalloc byte[MetadataKeys.DirectoryRangeLength];
        MetadataKeys.EntriesOf(range, directoryId);
        var children = new List<ulong>();
        using var iterator = _db.NewIterator(null, new ReadOptions().SetFillCache(false));
        for (iterator.Seek(range); iterator.Valid() && iterator.GetKeySpan().StartsWith(range); iterator.Next())
        {
            children.Add(EntryRecords.ChildIdOf(iterator.GetValueSpan()));
        }
        return children;
    }

    /// <summary>Every released-content record's content id, in key order.</summary>
    public List<ContentId> ListReleasedContent()
    {
        ThrowIfDisposed();
        var released = new List<ContentId>();
        using var iterator = _db.NewIterator(null, new ReadOptions().SetFillCache(false));
        for (iterator.Seek(MetadataKeys.ReleasedContentRange); iterator.Valid() && iterator.GetKeySpan().StartsWith(MetadataKeys.ReleasedContentRange); iterator.Next())
        {
            if (MetadataKeys.KindOf(iterator.GetKeySpan()) == RecordKind.ReleasedContent)
            {
                released.Add(MetadataKeys.ContentIdOf(iterator.GetKeySpan()));
            }
        }
        return released;
    }

    /// <summary>The database's identity, or null when it has none (a check reads it without creating one).</summary>
    public StoreIdentity? TryReadIdentity()
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[StoreIdentity.Length];
        return _db.GetFixedSizeValue(MetadataKeys.Identity, value, null, null) ? StoreIdentity.Read(value) : null;
    }

    public ulong ReadFileIdHighWater()
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        return _db.GetFixedSizeValue(MetadataKeys.FileIdHighWater, value, null, null) ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;
    }

    /// <summary>Records, synced, that file ids up to <paramref name="highWater"/> may be in use.</summary>
    public StoreStatus WriteFileIdHighWater(ulong highWater)
    {
        ThrowIfDisposed();
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(value, highWater);
        try
        {
            _db.Put(MetadataKeys.FileIdHighWater, value, null, _synced);
            return StoreStatus.Ok;
        }
        catch (RocksDbException exception)
        {
            return StatusOf(exception);
        }
    }

    /// <summary>How many objects exist: one pass over the inode keys, made once when a store opens.</summary>
    public ulong CountInodes()
    {
        ThrowIfDisposed();
        var readOptions = new ReadOptions().SetFillCache(false);
        using var iterator = _db.NewIterator(null, readOptions);
        ulong count = 0;
        for (iterator.Seek(MetadataKeys.InodeRange); iterator.Valid() && iterator.GetKeySpan().StartsWith(MetadataKeys.InodeRange); iterator.Next())
        {
            count++;
        }
        return count;
    }

    /// <summary>A RocksDB property ("rocksdb.block-cache-usage", ...), null when RocksDB has none of that name.</summary>
    public string? Property(string name)
    {
        ThrowIfDisposed();
        return _db.GetProperty(name);
    }

    public Snapshot CreateSnapshot()
    {
        ThrowIfDisposed();
        return _db.CreateSnapshot();
    }

    public Iterator NewIterator(ReadOptions readOptions)
    {
        ThrowIfDisposed();
        return _db.NewIterator(null, readOptions);
    }

    /// <summary>Writes a batch atomically, durable against a process crash but not yet against a system crash.</summary>
    public StoreStatus Apply(MetadataBatch batch)
    {
        ThrowIfDisposed();
        try
        {
            _db.Write(batch.Batch, _unsynced);
            return StoreStatus.Ok;
        }
        catch (RocksDbException exception)
        {
            return StatusOf(exception);
        }
    }

    /// <summary>
    /// Makes every batch applied so far durable: RocksDB's FlushWAL with sync, which fsyncs the live WAL files. It
    /// runs beside RocksDB's write queue, not in it: a synced write (what this was, of a barrier key) keeps the queue
    /// for the whole fsync, so every change applied meanwhile waited for the disk while holding its inode locks, and
    /// the REMOVEs and CREATEs of one directory queued behind one another's fsync (disk removes +18 % in the median
    /// of 6 alternating runs without it). <see cref="WalSyncer"/> runs it for the request path.
    /// </summary>
    public StoreStatus MakeDurable()
    {
        ThrowIfDisposed();
        Native.Instance.rocksdb_flush_wal(_db.Handle, 1, out IntPtr error);
        return error == IntPtr.Zero ? StoreStatus.Ok : StatusOf(new RocksDbException(error));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _db.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>RocksDB reports OS errors as text ("IO error: No space left on device ..."): the ones a client can act on get their own status.</summary>
    private static StoreStatus StatusOf(RocksDbException exception) =>
        exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) ? StoreStatus.NoSpc
        : exception.Message.Contains("quota", StringComparison.OrdinalIgnoreCase) ? StoreStatus.DQuot
        : StoreStatus.Io;
}
