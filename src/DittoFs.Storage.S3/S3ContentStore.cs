using DittoFs.Storage.S3.Buffering;
using DittoFs.Storage.S3.Caching;
using DittoFs.Storage.S3.Remote;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Storage.S3;

/// <summary>
/// Content in an S3 bucket, shaped for NFS: each content is split into fixed-size blocks, one object each, plus a
/// small length object (<see cref="ObjectLayout"/>). Writes land in a bounded write-back buffer of dirty blocks and
/// cost no request; <see cref="FlushAsync"/> (COMMIT, FILE_SYNC) uploads a content's dirty blocks and its length
/// and returns once S3 acknowledged them. When the buffer is full, a writer first uploads the oldest dirty block.
/// Reads take dirty bytes from the buffer and the rest from a bounded block cache in memory and on disk
/// (<see cref="BlockCache"/>: whole blocks, served only while they are the object's current version, fetched ahead
/// of sequential readers), or, with the cache off, fetch only the ranges they need. Truncation and deletion are
/// durable when they return (SETATTR is synchronous in NFSv3), and a truncation that fails changes nothing.
/// Every request has a timeout; failures answer Jukebox when they pass by themselves (outage, timeout, 5xx,
/// throttling) and Io otherwise.
/// One store instance owns a bucket prefix: it caches lengths and does not expect others to write there.
/// For offline checks it lists the contents under its prefix (<see cref="IContentInventory"/>, <see cref="ListAsync"/>).
/// </summary>
public sealed partial class S3ContentStore : IContentStore, IDisposable
{
    // S3 has no capacity; FSSTAT reports a large constant so clients never refuse a copy for want of space.
    private const ulong ReportedCapacity = 1UL << 50;

    // Idle clean contents kept in memory (with their lengths) before being dropped.
    private const int MaxIdleContents = 65_536;

    // Concurrent block uploads of one flush.
    private const int FlushParallelism = 8;

    private readonly S3Bucket _bucket;
    private readonly ObjectLayout _layout;
    private readonly WriteBackBuffer _buffer;
    private readonly ContentTable _contents;
    private readonly int _blockSize;
    private readonly ILogger _logger;
    private readonly BlockCache? _cache;
    private readonly SequentialReads _sequentialReads;
    private readonly int _readAheadBlocks;

    private S3ContentStore(S3Bucket bucket, BlockCache? cache, S3ContentStoreOptions options, ILogger logger)
    {
        _bucket = bucket;
        _cache = cache;
        _readAheadBlocks = cache is null ? 0 : options.ReadAheadBlocks;
        _sequentialReads = new SequentialReads(options.BlockSize);
        _logger = logger;
        _layout = new ObjectLayout(options.KeyPrefix);
        _blockSize = options.BlockSize;
        _buffer = new WriteBackBuffer(options.BlockSize, options.MaxDirtyBytes);
        _contents = new ContentTable(LoadAsync, options.KeepIdleLengths ? MaxIdleContents : 0);
    }

    /// <summary>
    /// Validates <paramref name="options"/>, connects and creates the bucket when missing. Throws
    /// <see cref="ArgumentException"/> for bad settings and <see cref="InvalidOperationException"/>, naming the
    /// bucket and endpoint, when S3 cannot be used.
    /// </summary>
    public static Task<S3ContentStore> OpenAsync(S3ContentStoreOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        // Connections are recycled so that they follow an endpoint whose addresses change through DNS.
        OpenAsync(options, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }, logger, cancellationToken);

    /// <summary>As the public overload, sending every request through <paramref name="handler"/> (tests observe requests).</summary>
    internal static async Task<S3ContentStore> OpenAsync(S3ContentStoreOptions options, HttpMessageHandler handler, ILogger? logger, CancellationToken cancellationToken)
    {
        options.Validate();
        var credentials = options.ResolveCredentials(Environment.GetEnvironmentVariable);
        logger ??= NullLogger.Instance;
        var bucket = new S3Bucket(options, credentials, handler, logger);
        BlockCache? cache = null;
        try
        {
            await bucket.EnsureExistsAsync(cancellationToken).ConfigureAwait(false);
            cache = BlockCache.Create(options, bucket, logger);
        }
        catch
        {
            bucket.Dispose();
            throw;
        }
        return new S3ContentStore(bucket, cache, options, logger);
    }

    /// <summary>Bytes of written-but-not-uploaded blocks held now (whole blocks); never more than <c>MaxDirtyBytes</c>.</summary>
    public long DirtyBytes => _buffer.DirtyBytes;

    /// <summary>The highest <see cref="DirtyBytes"/> seen.</summary>
    internal long PeakDirtyBytes => _buffer.PeakDirtyBytes;

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) =>
        new(new SpaceStats(ReportedCapacity, ReportedCapacity, ReportedCapacity));

    /// <summary>The block cache's counts (hits, misses, evictions, bytes held); null when the cache is off.</summary>
    public CacheStatistics? CacheStatistics => _cache?.Statistics;

    /// <summary>Requests sent to S3 since the store opened, by kind.</summary>
    public S3RequestStatistics RequestStatistics => _bucket.Requests;

    /// <summary>Closes the connections and the cache directory. Writes not flushed are dropped, as in a crash: NFS clients resend them after the write verifier changes.</summary>
    public void Dispose()
    {
        _bucket.Dispose();
        _cache?.Dispose();
    }

    /// <summary>
    /// Reads the length object the first time a content is used. A trimming mark on it (a truncation committed, its
    /// removal of remote bytes not completed, here or in a process before) is completed before the next upload.
    /// </summary>
    private async Task<StoreStatus> LoadAsync(ContentState state)
    {
        var key = _layout.LengthKey(state.Id);
        var text = new byte[ObjectLayout.MaxLengthObjectBytes];
        var read = await _bucket.ReadAsync(key, 0, text, CancellationToken.None).ConfigureAwait(false);
        if (!read.IsOk)
        {
            return read.Status;
        }
        ulong length = 0;
        bool trimming = false;
        if (read.Value.Found && (read.Value.ObjectLength > text.Length || !ObjectLayout.TryParseLength(text.AsSpan(0, read.Value.BytesRead), out length, out trimming)))
        {
            S3Log.BadLengthObject(_logger, key, _bucket.Name);
            return StoreStatus.Io;
        }
        lock (state.Sync)
        {
            state.Length = state.PersistedLength = length;
            state.Trimming = state.PersistedTrimming = trimming;
        }
        return StoreStatus.Ok;
    }

    /// <summary>The worse of two outcomes: a hard error over a transient one over success.</summary>
    private static StoreStatus Worse(StoreStatus first, StoreStatus second) =>
        first == StoreStatus.Io || second == StoreStatus.Io ? StoreStatus.Io
        : first != StoreStatus.Ok ? first
        : second;
}
