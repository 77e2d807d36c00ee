using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

/// <summary>
/// A metadata store in a RocksDB database in one directory. It answers exactly as the memory store does (both
/// apply <see cref="PosixRules"/>), and keeps everything across restarts: a handle, a READDIR cookie and its
/// verifier handed out before a restart still work after it; file ids (and so content ids) are never reused.
/// <para>
/// Every change is one atomic write batch, so a crash never leaves half of one visible. Every change except
/// <see cref="CommitWriteAsync"/> is synced to the WAL before it returns (NFSv3 namespace and attribute changes
/// are stable); the size a WRITE recorded becomes durable with <see cref="FlushAsync"/> (COMMIT, FILE_SYNC) or
/// the next synced change. See <see cref="MetadataDatabase"/> for how syncs are grouped.
/// </para>
/// <para>
/// Locking: changes lock the inodes they touch (<see cref="InodeLocks"/>), read them afresh, check, and apply a
/// batch; then, with the locks released, wait for the batch to be durable. Reads take no lock. The one store-wide
/// lock is the rename gate, taken only by renames that move a directory to another parent (as Linux's
/// s_vfs_rename_mutex), which keeps the tree's shape still while such a rename checks that a directory is not
/// moved into itself. Waiting for durability holds no thread: <see cref="WalSyncer"/> groups the syncs.
/// </para>
/// Dispose only when no call is running.
/// </summary>
public sealed partial class RocksDbMetadataStore : IMetadataStore, IDisposable
{
    private readonly MetadataDatabase _db;
    private readonly WalSyncer _wal;
    private readonly InodeLocks _locks = new();
    private readonly Lock _rootsGate = new();
    private readonly Lock _renameGate = new();
    private readonly NamespaceChanges<NamespaceSteps, ulong, InodeRecord, EntryRecords.NamedEntry> _namespace;
    private readonly FileClock _clock;
    private readonly ulong _maxFiles;
    private readonly StoreIdentity _identity;
    private readonly FileIdAllocator _fileIds;
    private long _fileCount;

    /// <summary>
    /// The block cache's capacity when none is given (RocksDB's own default is 32 MiB): the data blocks read most
    /// recently. A file's inode and name records take about 140 bytes of uncompressed blocks, so 256 MiB keeps the
    /// records of some 1.8M files in memory; at 64 MiB half the point reads of a 1M-file store read a block from
    /// the page cache and decompressed it, which made a GETATTR twice as slow.
    /// </summary>
    public const long DefaultBlockCacheBytes = 256L << 20;

    /// <summary>Opens the store in <paramref name="path"/>, creating the directory and an empty database if needed.</summary>
    /// <param name="path">A directory only this store uses; one process at a time (RocksDB locks it).</param>
    /// <param name="maxFiles">How many objects the store holds before creation fails with NoSpc.</param>
    /// <param name="clock">The clock for timestamps; a new <see cref="FileClock"/> when null.</param>
    /// <param name="blockCacheBytes">
    /// The block cache's capacity (at least 1 MiB) for data blocks. With the memtables (up to 2 × 64 MiB) and the
    /// tables' index and filter blocks it bounds the memory the database uses.
    /// </param>
    public RocksDbMetadataStore(string path, ulong maxFiles = 1UL << 32, FileClock? clock = null, long blockCacheBytes = DefaultBlockCacheBytes)
        : this(path, maxFiles, clock, blockCacheBytes, statistics: false)
    {
    }

    /// <param name="statistics">Whether RocksDB counts its work, for <see cref="Statistics"/> (benchmarks).</param>
    internal RocksDbMetadataStore(string path, ulong maxFiles, FileClock? clock, long blockCacheBytes, bool statistics)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockCacheBytes, 1L << 20);
        _namespace = new(new NamespaceSteps(this));
        _maxFiles = maxFiles;
        _clock = clock ?? new FileClock();
        _db = MetadataDatabase.Open(path, blockCacheBytes, statistics);
        try
        {
            _identity = _db.ReadOrCreateIdentity();
            ShareRootMigration.Run(_db, _identity);
            _fileIds = new FileIdAllocator(_db);
            _fileCount = (long)_db.CountInodes();
            _wal = new WalSyncer(_db);
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    public ValueTask<StoreResult<FileRef>> GetOrCreateRootAsync(string shareName, uint uid, uint gid, uint mode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(shareName);
        if (FindRoot(shareName) is { } existing)
        {
            return new(existing);
        }
        lock (_rootsGate)
        {
            if (FindRoot(shareName) is { } created)
            {
                return new(created);
            }
            // Synced before the gate opens: no caller may find the root before it is durable.
            var root = CreateRoot(shareName, uid, gid, mode);
            if (root.IsOk && _db.MakeDurable() is var synced and not StoreStatus.Ok)
            {
                return new(synced);
            }
            return new(root);
        }
    }

    public ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var record))
        {
            return new(StoreStatus.Stale);
        }
        return new(record.Attributes);
    }

    public ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var record))
        {
            return new(StoreStatus.Stale);
        }
        return new(new AccessResult(PosixRules.GrantAccess(record.Attributes, auth, requested), record.Attributes));
    }

    public ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(symlink, out var record))
        {
            return new(StoreStatus.Stale);
        }
        if (record.SymlinkTarget is not { } target)
        {
            return new(new StoreResult<ReadLinkResult>(StoreStatus.Inval, new ReadLinkResult(default, record.Attributes)));
        }
        return new(new ReadLinkResult(target, record.Attributes));
    }

    public ValueTask<StoreResult<InodeAttributes>> PrepareReadAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var record))
        {
            return new(StoreStatus.Stale);
        }
        return new(new StoreResult<InodeAttributes>(PosixRules.CheckRead(record.Attributes, auth), record.Attributes));
    }

    public ValueTask<StoreResult<InodeAttributes>> PrepareWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var record))
        {
            return new(StoreStatus.Stale);
        }
        var status = PosixRules.CheckWrite(record.Attributes, auth);
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckWriteRange(offset, count);
        }
        return new(new StoreResult<InodeAttributes>(status, record.Attributes));
    }

    /// <summary>Applied but not synced: like the UNSTABLE data it describes, it becomes durable with <see cref="FlushAsync"/>.</summary>
    public ValueTask<StoreResult<WccData>> CommitWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out _))
        {
            return new(StoreStatus.Stale);
        }
        using var locks = _locks.Enter(file.FileId);
        var record = _db.GetInode(file.FileId);
        if (!record.Exists)
        {
            return new(StoreStatus.Stale);
        }
        var before = record.Attributes;
        if (PosixRules.CheckWriteRange(offset, count) is var status and not StoreStatus.Ok)
        {
            return new(new StoreResult<WccData>(status, WccData.Unchanged(before)));
        }
        var after = PosixRules.ApplyWrite(before, auth, offset, count, _clock.Now());
        if (after != before)
        {
            using var batch = new MetadataBatch();
            batch.PutInode(record with { Attributes = after });
            if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
            {
                return new(new StoreResult<WccData>(applied, WccData.Unchanged(before)));
            }
        }
        return new(new WccData(before.ToWcc(), after));
    }

    /// <summary>Syncs the WAL, and with it every change applied so far (of this file and all others).</summary>
    public ValueTask<StoreStatus> FlushAsync(FileRef file, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out _))
        {
            return new(StoreStatus.Stale);
        }
        return new(_wal.SyncAsync());
    }

    public ValueTask<StoreResult<FileCountStats>> GetFileCountStatsAsync(CancellationToken cancellationToken = default)
    {
        ulong used = (ulong)Volatile.Read(ref _fileCount);
        ulong free = _maxFiles > used ? _maxFiles - used : 0;
        return new(new FileCountStats(_maxFiles, free, free));
    }

    /// <summary>RocksDB's counters as text, empty unless the store was opened with statistics.</summary>
    internal string Statistics() => _db.Statistics();

    /// <summary>A RocksDB property ("rocksdb.num-files-at-level0", ...), null when RocksDB has none of that name.</summary>
    internal string? Property(string name) => _db.Property(name);

    public void Dispose()
    {
        _wal.Dispose();
        _db.Dispose();
    }

    private FileRef? FindRoot(string shareName)
    {
        ulong rootId = _db.GetShareRoot(shareName);
        if (rootId == 0)
        {
            return null;
        }
        var root = _db.GetInode(rootId);
        return root.Exists ? root.Attributes.Ref : null;
    }

    /// <summary>A share root: a directory that is its own parent. Call under the roots gate.</summary>
    private StoreResult<FileRef> CreateRoot(string shareName, uint uid, uint gid, uint mode)
    {
        if (!TryReserveFileSlot())
        {
            return StoreStatus.NoSpc;
        }
        var now = _clock.Now();
        var status = WithIdentity(PosixRules.NewShareRoot(mode, uid, gid, now), out var attributes);
        if (status == StoreStatus.Ok)
        {
            using var batch = new MetadataBatch();
            batch.PutInode(InodeRecord.NewDirectory(attributes, parentId: attributes.FileId, rootId: attributes.FileId));
            batch.PutShareRoot(shareName, attributes.FileId);
            status = _db.Apply(batch);
        }
        if (status != StoreStatus.Ok)
        {
            ReleaseFileSlot();
            return status;
        }
        return attributes.Ref;
    }

    /// <summary>
    /// Reads the record a handle names: false when the file is gone, the generation is not its, or a scoped
    /// reference names an object under another share root.
    /// </summary>
    private bool TryResolve(FileRef file, out InodeRecord record)
    {
        record = _db.GetInode(file.FileId);
        return IsNamedBy(record, file);
    }

    private static bool IsNamedBy(in InodeRecord record, FileRef file) =>
        record.Exists && record.Attributes.Generation == file.Generation && (file.Root == 0 || record.RootId == file.Root);

    /// <summary>
    /// Completes with the result once the change behind it is durable; called with no inode lock held, and waiting
    /// without a thread (<see cref="WalSyncer"/>), so that concurrent changes share one WAL sync. Results that
    /// changed nothing are synced too: what they report may rest on a change another call applied and has not
    /// synced yet.
    /// </summary>
    private ValueTask<StoreResult<T>> DurableAsync<T>(StoreResult<T> result) =>
        result.IsOk ? AwaitSync(_wal.SyncAsync(), result) : new(result);

    private static async ValueTask<StoreResult<T>> AwaitSync<T>(Task<StoreStatus> sync, StoreResult<T> result)
    {
        var status = await sync.ConfigureAwait(false);
        return status == StoreStatus.Ok ? result : new StoreResult<T>(status, result.Value);
    }

    /// <summary>Gives new attributes the next file id, the store's generation, and regular files a content id.</summary>
    private StoreStatus WithIdentity(in InodeAttributes attributes, out InodeAttributes result)
    {
        result = attributes;
        if (_fileIds.Next(out ulong fileId) is var status and not StoreStatus.Ok)
        {
            return status;
        }
        result = attributes with
        {
            FileId = fileId,
            Generation = _identity.Generation,
            ContentId = attributes.Type == FileType.Regular ? _identity.ContentIdOf(fileId) : ContentId.None,
        };
        return StoreStatus.Ok;
    }

    private bool TryReserveFileSlot()
    {
        if ((ulong)Interlocked.Increment(ref _fileCount) <= _maxFiles)
        {
            return true;
        }
        Interlocked.Decrement(ref _fileCount);
        return false;
    }

    private void ReleaseFileSlot() => Interlocked.Decrement(ref _fileCount);
}
