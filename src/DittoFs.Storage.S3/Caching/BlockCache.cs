using DittoFs.Storage.S3.Remote;
using Microsoft.Extensions.Logging;

namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// Whole block objects kept after they were read or uploaded, in memory and on local disk (<see cref="MemoryTier"/>,
/// <see cref="DiskTier"/>), each with the version (ETag and size) of the object it copies, so a copy is served only
/// while it is the object's current version:
/// <list type="bullet">
/// <item>The store calls <see cref="Forget"/> before it writes or deletes a block object, and <see cref="Remember"/>
/// with what S3 acknowledged, so its own writes never leave an old copy behind (a fetch under way when the object
/// changes is not kept either).</item>
/// <item>A copy confirmed in this process (fetched, uploaded or checked here) is served as it is when the store owns
/// its prefix: no one else writes there. Block files found on disk at the start are checked once, which catches
/// objects changed while the server was down; when other servers share the prefix (<c>revalidateEveryRead</c>),
/// every read checks its copy. A check is a GET with <c>If-None-Match: ETag</c>: S3 answers 304 without the bytes
/// while the copy is current, and the new bytes in the same request when it is not.</item>
/// <item>When a check cannot reach S3 (an outage), the copy is served when the store owns the prefix, and the
/// failure answered when others share it.</item>
/// </list>
/// A miss fetches the whole block (one GET), and reads of the same block meanwhile wait for that fetch. Read-ahead
/// (<see cref="Prefetch"/>) fetches blocks in the background, at most <see cref="MaxReadAheadRequests"/> at once.
/// </summary>
internal sealed class BlockCache : IDisposable
{
    /// <summary>Read-ahead GETs in flight at once, all contents together; more are skipped, not queued.</summary>
    public const int MaxReadAheadRequests = 8;

    private readonly S3Bucket _bucket;
    private readonly int _blockSize;
    private readonly bool _revalidateEveryRead;
    private readonly MemoryTier _memory;
    private readonly DiskTier? _disk;
    private readonly string _diskKeyPrefix;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Fetch> _fetches = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _readAhead = new(MaxReadAheadRequests, MaxReadAheadRequests);
    private long _changes; // Forget and Remember calls so far: a copy read before one of them may be outdated
    private volatile bool _disposed;

    private BlockCache(S3Bucket bucket, int blockSize, bool revalidateEveryRead, MemoryTier memory, DiskTier? disk, CacheStatistics statistics)
    {
        _bucket = bucket;
        _blockSize = blockSize;
        _revalidateEveryRead = revalidateEveryRead;
        _memory = memory;
        _disk = disk;
        Statistics = statistics;
        // Block files are named by endpoint, bucket and key, so one directory never mixes up two buckets.
        _diskKeyPrefix = $"{bucket.Endpoint}/{bucket.Name}/";
    }

    /// <summary>The cache the options ask for, or null when they ask for none (no memory and no directory).</summary>
    public static BlockCache? Create(S3ContentStoreOptions options, S3Bucket bucket, ILogger logger)
    {
        if (options.CacheMemoryBytes == 0 && string.IsNullOrEmpty(options.CacheDirectory))
        {
            return null;
        }
        var statistics = new CacheStatistics();
        var disk = string.IsNullOrEmpty(options.CacheDirectory) ? null : DiskTier.Open(options.CacheDirectory, options.CacheDiskBytes, statistics, logger);
        return new BlockCache(bucket, options.BlockSize, !options.KeepIdleLengths, new MemoryTier(options.CacheMemoryBytes, statistics), disk, statistics);
    }

    public CacheStatistics Statistics { get; }

    /// <summary>
    /// Copies the bytes of block object <paramref name="key"/> at <paramref name="within"/> into <paramref name="target"/>;
    /// the count is how many the object holds there (0 when it is missing: a hole). From the cache when it holds the
    /// object's current version, else fetched whole from S3 and kept.
    /// </summary>
    public async Task<StoreResult<int>> ReadAsync(string key, int within, Memory<byte> target, CancellationToken cancellationToken)
    {
        var inMemory = _memory.Find(key);
        var copy = inMemory is not null ? (inMemory.Version, Confirmed: true) : _disk?.Find(DiskKey(key));
        if (copy is { Confirmed: true } && !_revalidateEveryRead && ServeCopy(key, inMemory, copy.Value.Version, within, target.Span) is { } served)
        {
            return served;
        }
        var (fetch, started) = JoinOrStart(key, copy?.Version);
        var fetched = await fetch.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!fetched.IsOk)
        {
            // S3 is away and the store owns the prefix: its own copy is the best there is.
            if (copy is not null && !_revalidateEveryRead && ServeCopy(key, inMemory, copy.Value.Version, within, target.Span) is { } fallback)
            {
                return fallback;
            }
            return fetched.Status;
        }
        var (block, source) = fetched.Value;
        // A read that joined another's fetch did not wait for a request of its own: a hit, as if from memory.
        if (!started || source == Source.Memory)
        {
            Interlocked.Increment(ref Statistics.MemoryHitCount);
        }
        else if (source == Source.Disk)
        {
            Interlocked.Increment(ref Statistics.DiskHitCount);
        }
        else
        {
            Interlocked.Increment(ref Statistics.MissCount);
        }
        return block?.CopyTo(within, target.Span) ?? 0;
    }

    /// <summary>Starts fetching block object <paramref name="key"/> in the background unless it is cached, being fetched, or read-ahead is at its limit.</summary>
    public void Prefetch(string key)
    {
        lock (_sync)
        {
            if (_fetches.ContainsKey(key) || _memory.Contains(key) || _disk?.Contains(DiskKey(key)) == true || !_readAhead.Wait(0))
            {
                return;
            }
        }
        Interlocked.Increment(ref Statistics.ReadAheadCount);
        var (fetch, _) = JoinOrStart(key, null);
        fetch.Task.ContinueWith(static (_, semaphore) => ((SemaphoreSlim)semaphore!).Release(), _readAhead, TaskScheduler.Default);
    }

    /// <summary>Drops every copy of block object <paramref name="key"/>, and whatever a fetch under way brings back: the store is about to change or delete it.</summary>
    public void Forget(string key)
    {
        lock (_sync)
        {
            _changes++;
            DropCopies(key);
            if (_fetches.Remove(key, out var fetch))
            {
                fetch.Stale = true;
            }
        }
    }

    /// <summary>Keeps the bytes just uploaded as block object <paramref name="key"/>, whose new ETag S3 answered.</summary>
    public void Remember(string key, string etag, ReadOnlySpan<byte> data)
    {
        var block = CachedBlock.Of(new ObjectVersion(etag, data.Length), data.ToArray(), data.Length);
        var fetch = new Fetch();
        lock (_sync)
        {
            // A fetch started since Forget may carry the old bytes or these; the upload is the newest either way.
            if (_fetches.Remove(key, out var older))
            {
                older.Stale = true;
            }
            _fetches[key] = fetch;
            _changes++;
            _memory.Add(key, block);
        }
        // Registered until the file is in place, so a Forget meanwhile keeps it off the disk; a read joining it meanwhile
        // gets these bytes at once.
        fetch.Complete((block, Source.Memory));
        KeepOnDisk(key, fetch, block);
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _disposed = true;
        }
        _disk?.Dispose();
    }

    /// <summary>Serves a copy without asking S3: from memory, else from its block file (null when that is gone).</summary>
    private int? ServeCopy(string key, CachedBlock? inMemory, ObjectVersion version, int within, Span<byte> target)
    {
        if (inMemory is not null)
        {
            Interlocked.Increment(ref Statistics.MemoryHitCount);
            return inMemory.CopyTo(within, target);
        }
        var count = ReadFromDisk(key, version, within, target);
        if (count is not null)
        {
            Interlocked.Increment(ref Statistics.DiskHitCount);
        }
        return count;
    }

    private (Fetch Fetch, bool Started) JoinOrStart(string key, ObjectVersion? copy)
    {
        Fetch fetch;
        lock (_sync)
        {
            if (_fetches.TryGetValue(key, out var running))
            {
                return (running, false);
            }
            fetch = new Fetch();
            _fetches[key] = fetch;
        }
        _ = FetchAsync(key, fetch, copy);
        return (fetch, true);
    }

    /// <summary>
    /// One GET of the whole block, conditional when there is a <paramref name="copy"/> to check: while it is current S3
    /// sends nothing and the copy is served (and confirmed). New bytes are kept in memory and on disk before waiting
    /// readers resume. Registered in <see cref="_fetches"/> until then, so <see cref="Forget"/> can stop it keeping anything.
    /// </summary>
    private async Task FetchAsync(string key, Fetch fetch, ObjectVersion? copy)
    {
        try
        {
            await FetchOnceAsync(key, fetch, copy).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A bug, not S3 (its failures are statuses): the readers waiting get Io rather than waiting forever.
            Finish(key, fetch, StoreStatus.Io);
        }
    }

    private async Task FetchOnceAsync(string key, Fetch fetch, ObjectVersion? copy)
    {
        var bytes = new byte[_blockSize];
        var read = await _bucket.ReadAsync(key, 0, bytes, CancellationToken.None, copy?.ETag).ConfigureAwait(false);
        if (read.IsOk && read.Value.NotModified && LoadCopy(key, fetch, copy!.Value, bytes) is { } current)
        {
            Finish(key, fetch, current);
            return;
        }
        if (read.IsOk && read.Value.NotModified)
        {
            // The copy vanished meanwhile (evicted, unreadable): fetch the bytes after all.
            read = await _bucket.ReadAsync(key, 0, bytes, CancellationToken.None).ConfigureAwait(false);
        }
        else if (read.IsOk && copy is not null)
        {
            lock (_sync)
            {
                if (!fetch.Stale)
                {
                    Interlocked.Increment(ref Statistics.StaleCount);
                    DropCopies(key);
                }
            }
        }
        if (!read.IsOk)
        {
            Finish(key, fetch, read.Status);
            return;
        }
        if (!read.Value.Found || read.Value.ETag is not { } etag)
        {
            // A hole, or a version that cannot be checked: served once, not kept.
            var unkept = read.Value.Found ? CachedBlock.Of(new ObjectVersion("", read.Value.ObjectLength), bytes, read.Value.BytesRead) : null;
            Finish(key, fetch, (unkept, Source.S3));
            return;
        }
        var block = CachedBlock.Of(new ObjectVersion(etag, read.Value.ObjectLength), bytes, read.Value.BytesRead);
        lock (_sync)
        {
            if (!fetch.Stale)
            {
                _memory.Add(key, block);
            }
        }
        // Before the readers resume: a local write costs little beside the GET, and a read that returned has its
        // block on disk (so a restart right after finds it).
        KeepOnDisk(key, fetch, block);
        fetch.Complete((block, Source.S3));
    }

    /// <summary>A copy S3 just said is current, read whole (into <paramref name="bytes"/> from disk) and kept in memory; null when it is gone.</summary>
    private (CachedBlock, Source)? LoadCopy(string key, Fetch fetch, ObjectVersion version, byte[] bytes)
    {
        if (_memory.Find(key) is { } inMemory && inMemory.Version == version)
        {
            return (inMemory, Source.Memory);
        }
        if (_disk?.Read(DiskKey(key), version, 0, bytes) is not { } length)
        {
            return null;
        }
        var block = CachedBlock.Of(version, bytes, length);
        lock (_sync)
        {
            if (!fetch.Stale)
            {
                _disk.Confirm(DiskKey(key));
                _memory.Add(key, block);
            }
        }
        return (block, Source.Disk);
    }

    private void Finish(string key, Fetch fetch, StoreResult<(CachedBlock?, Source)> result)
    {
        lock (_sync)
        {
            Unregister(key, fetch);
        }
        fetch.Complete(result);
    }

    /// <summary>Writes the block's file aside, then puts it in place unless the object changed meanwhile; ends the fetch's registration.</summary>
    private void KeepOnDisk(string key, Fetch fetch, CachedBlock block)
    {
        var prepared = _disk is not null && !fetch.Stale && !_disposed ? _disk.Prepare(DiskKey(key), block) : null;
        lock (_sync)
        {
            if (prepared is not null)
            {
                // Once disposed the directory may be another store's: a read-ahead finishing late leaves it alone.
                if (fetch.Stale || _disposed)
                {
                    DiskTier.Discard(prepared);
                }
                else
                {
                    _disk!.Commit(DiskKey(key), prepared, block);
                }
            }
            Unregister(key, fetch);
        }
    }

    private void Unregister(string key, Fetch fetch)
    {
        if (_fetches.TryGetValue(key, out var registered) && registered == fetch)
        {
            _fetches.Remove(key);
        }
    }

    private void DropCopies(string key)
    {
        _memory.Remove(key);
        _disk?.Remove(DiskKey(key));
    }

    /// <summary>Reads from the block file; promotes the whole block to memory when memory caching is on, since the rest of the block is likely read next.</summary>
    private int? ReadFromDisk(string key, ObjectVersion version, int within, Span<byte> target)
    {
        if (!_memory.Enabled)
        {
            return _disk!.Read(DiskKey(key), version, within, target);
        }
        long changes;
        lock (_sync)
        {
            changes = _changes;
        }
        var bytes = new byte[_blockSize];
        if (_disk!.Read(DiskKey(key), version, 0, bytes) is not { } length)
        {
            return null;
        }
        var block = CachedBlock.Of(version, bytes, length);
        lock (_sync)
        {
            // A block changed meanwhile: this copy may be the one it replaced, so it is served (the read overlapped
            // the change) but not kept.
            if (_changes == changes)
            {
                _memory.Add(key, block);
            }
        }
        return block.CopyTo(within, target);
    }

    private string DiskKey(string key) => _diskKeyPrefix + key;

    /// <summary>Where a fetch found the block's current bytes: a copy S3 confirmed, or S3 itself.</summary>
    private enum Source { Memory, Disk, S3 }

    /// <summary>One GET of a block under way; readers of the block wait for it instead of sending their own.</summary>
    private sealed class Fetch
    {
        private readonly TaskCompletionSource<StoreResult<(CachedBlock? Block, Source Source)>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<StoreResult<(CachedBlock? Block, Source Source)>> Task => _done.Task;

        /// <summary>The object changed or was deleted after the fetch started: what it brings back is not kept.</summary>
        public volatile bool Stale;

        /// <summary>Settles the fetch; later calls (only after a failure part-way) change nothing.</summary>
        public void Complete(StoreResult<(CachedBlock? Block, Source Source)> result) => _done.TrySetResult(result);
    }
}
