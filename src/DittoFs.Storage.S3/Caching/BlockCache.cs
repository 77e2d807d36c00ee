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
/// its prefix: no one else writes there. Block files found on disk at the start are checked once with a HEAD, which
/// catches objects changed while the server was down. When other servers share the prefix
/// (<c>revalidateEveryRead</c>), every read checks its copy with a HEAD first.</item>
/// <item>When that check cannot reach S3 (an outage), the copy is served when the store owns the prefix, and the
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
        if (_memory.Find(key) is { } block)
        {
            var current = _revalidateEveryRead ? await IsCurrentAsync(key, block.Version, cancellationToken).ConfigureAwait(false) : true;
            if (!current.IsOk)
            {
                return current.Status;
            }
            if (current.Value)
            {
                Interlocked.Increment(ref Statistics.MemoryHitCount);
                return block.CopyTo(within, target.Span);
            }
            DropStale(key);
        }
        else if (_disk?.Find(DiskKey(key)) is var (version, confirmed))
        {
            var current = _revalidateEveryRead || !confirmed ? await IsCurrentAsync(key, version, cancellationToken).ConfigureAwait(false) : true;
            if (!current.IsOk && _revalidateEveryRead)
            {
                return current.Status;
            }
            // The check failed (S3 is away) and the store owns the prefix: its own file is the best there is.
            if (!current.IsOk || current.Value)
            {
                if (current.IsOk)
                {
                    _disk.Confirm(DiskKey(key));
                }
                if (ReadFromDisk(key, version, within, target.Span) is { } count)
                {
                    Interlocked.Increment(ref Statistics.DiskHitCount);
                    return count;
                }
            }
            else
            {
                DropStale(key);
            }
        }
        var (fetch, started) = JoinOrStart(key);
        Interlocked.Increment(ref started ? ref Statistics.MissCount : ref Statistics.MemoryHitCount);
        var fetched = await fetch.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!fetched.IsOk)
        {
            return fetched.Status;
        }
        return fetched.Value?.CopyTo(within, target.Span) ?? 0;
    }

    /// <summary>Starts fetching block object <paramref name="key"/> in the background unless it is cached, being fetched, or read-ahead is at its limit.</summary>
    public void Prefetch(string key)
    {
        lock (_sync)
        {
            if (_fetches.ContainsKey(key) || _memory.Find(key) is not null || _disk?.Contains(DiskKey(key)) == true || !_readAhead.Wait(0))
            {
                return;
            }
        }
        Interlocked.Increment(ref Statistics.ReadAheadCount);
        var (fetch, _) = JoinOrStart(key);
        fetch.Task.ContinueWith(static (_, semaphore) => ((SemaphoreSlim)semaphore!).Release(), _readAhead, TaskScheduler.Default);
    }

    /// <summary>Drops every copy of block object <paramref name="key"/>, and whatever a fetch under way brings back: the store is about to change or delete it.</summary>
    public void Forget(string key)
    {
        lock (_sync)
        {
            _changes++;
            _memory.Remove(key);
            _disk?.Remove(DiskKey(key));
            if (_fetches.Remove(key, out var fetch))
            {
                fetch.Stale = true;
            }
        }
    }

    /// <summary>Keeps the bytes just uploaded as block object <paramref name="key"/>, whose new ETag S3 answered.</summary>
    public void Remember(string key, string etag, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[_blockSize];
        data.CopyTo(bytes);
        var block = new CachedBlock(new ObjectVersion(etag, data.Length), bytes, data.Length);
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
        KeepOnDisk(key, fetch, block);
    }

    public void Dispose()
    {
        _disk?.Dispose();
        _readAhead.Dispose();
    }

    private (Fetch Fetch, bool Started) JoinOrStart(string key)
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
        _ = FetchAsync(key, fetch);
        return (fetch, true);
    }

    /// <summary>
    /// One GET of the whole block; the block is kept in memory before waiting readers resume (so later reads find it)
    /// and written to disk after. Registered in <see cref="_fetches"/> until then, so <see cref="Forget"/> can stop it
    /// keeping anything.
    /// </summary>
    private async Task FetchAsync(string key, Fetch fetch)
    {
        var bytes = new byte[_blockSize];
        var read = await _bucket.ReadAsync(key, 0, bytes, CancellationToken.None).ConfigureAwait(false);
        if (!read.IsOk || !read.Value.Found || read.Value.ETag is not { } etag)
        {
            // A hole, a failure or a version that cannot be checked: served once, not kept.
            lock (_sync)
            {
                Unregister(key, fetch);
            }
            if (!read.IsOk)
            {
                fetch.Complete(read.Status);
            }
            else
            {
                fetch.Complete(read.Value.Found ? new CachedBlock(new ObjectVersion("", read.Value.ObjectLength), bytes, read.Value.BytesRead) : null);
            }
            return;
        }
        var block = new CachedBlock(new ObjectVersion(etag, read.Value.ObjectLength), bytes, read.Value.BytesRead);
        lock (_sync)
        {
            if (!fetch.Stale)
            {
                _memory.Add(key, block);
            }
        }
        fetch.Complete(block);
        KeepOnDisk(key, fetch, block);
    }

    /// <summary>Writes the block's file aside, then puts it in place unless the object changed meanwhile; ends the fetch's registration.</summary>
    private void KeepOnDisk(string key, Fetch fetch, CachedBlock block)
    {
        var prepared = _disk is not null && !fetch.Stale ? _disk.Prepare(DiskKey(key), block) : null;
        lock (_sync)
        {
            if (prepared is not null)
            {
                if (fetch.Stale)
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
        var block = new CachedBlock(version, bytes, length);
        lock (_sync)
        {
            // Any block changed meanwhile: this copy may be the one it replaced, so it is served (the read overlapped
            // the change) but not kept.
            if (_changes == changes)
            {
                _memory.Add(key, block);
            }
        }
        return block.CopyTo(within, target);
    }

    /// <summary>Whether the object's current version is <paramref name="version"/> (one HEAD).</summary>
    private async Task<StoreResult<bool>> IsCurrentAsync(string key, ObjectVersion version, CancellationToken cancellationToken)
    {
        var stat = await _bucket.StatAsync(key, cancellationToken).ConfigureAwait(false);
        return stat.IsOk ? stat.Value == version : stat.Status;
    }

    private void DropStale(string key)
    {
        Interlocked.Increment(ref Statistics.StaleCount);
        Forget(key);
    }

    private string DiskKey(string key) => _diskKeyPrefix + key;

    /// <summary>One GET of a block under way; readers of the block wait for it instead of sending their own.</summary>
    private sealed class Fetch
    {
        private readonly TaskCompletionSource<StoreResult<CachedBlock?>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<StoreResult<CachedBlock?>> Task => _done.Task;

        /// <summary>The object changed or was deleted after the fetch started: what it brings back is not kept.</summary>
        public volatile bool Stale;

        public void Complete(StoreResult<CachedBlock?> result) => _done.SetResult(result);
    }
}
