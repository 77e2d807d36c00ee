using DittoFs.Storage.S3.Remote;

namespace DittoFs.Storage.S3;

/// <summary>Settings of an <see cref="S3ContentStore"/>. <see cref="Endpoint"/> and <see cref="Bucket"/> are required.</summary>
public sealed class S3ContentStoreOptions
{
    public const int DefaultBlockSize = 4 * 1024 * 1024;
    public const int MinBlockSize = 4 * 1024;
    public const int MaxBlockSize = 64 * 1024 * 1024;

    /// <summary>The S3 service as <c>host</c> or <c>host:port</c>, without a scheme: <see cref="UseTls"/> picks it.</summary>
    public string Endpoint { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Created at startup when missing.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>Put before every key, e.g. <c>dittofs/</c>, so several stores can share a bucket.</summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>When null, the AWS_ACCESS_KEY_ID environment variable.</summary>
    public string? AccessKey { get; set; }

    /// <summary>When null, the AWS_SECRET_ACCESS_KEY environment variable.</summary>
    public string? SecretKey { get; set; }

    public bool UseTls { get; set; } = true;

    /// <summary>
    /// Bytes per block object. Larger blocks mean fewer requests for big sequential files, smaller ones less
    /// read-modify-write for small random writes. Up to 5 MiB a block is one PUT; the Minio SDK sends larger
    /// objects as multipart uploads (three requests or more).
    /// </summary>
    public int BlockSize { get; set; } = DefaultBlockSize;

    /// <summary>Memory for written-but-not-uploaded blocks, across all contents; at least one block.</summary>
    public long MaxDirtyBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Longest wait for any one S3 request; past it the operation answers Jukebox.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a content's length, read from S3 once, is kept after its last use (up to 65,536 contents), saving a GET
    /// per READ. Set false when other servers write the same bucket and key prefix (several servers on one shared
    /// metadata store): a kept length would hide what another server appended and flushed, and a partial write past
    /// it would not merge the remote block and so overwrite that server's bytes with zeros. Without it, a content is
    /// held only while in use or dirty, and each READ that does not find it in hand reads its length object first.
    /// </summary>
    public bool KeepIdleLengths { get; set; } = true;

    /// <summary>
    /// Memory for copies of block objects read or uploaded, served again without a GET (least recently used dropped
    /// first); 0 for none. At least one block when not 0.
    /// </summary>
    public long CacheMemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// A local directory keeping copies of block objects across restarts (created if missing; one store at a time);
    /// null or empty for none.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Bytes of block files in <see cref="CacheDirectory"/> (least recently used deleted first); at least one block.</summary>
    public long CacheDiskBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// Blocks fetched ahead of a reader going through a content front to back, into the cache; 0 for none. Needs a
    /// cache (memory or disk). At most <c>8</c> such GETs run at once across all contents.
    /// </summary>
    public int ReadAheadBlocks { get; set; } = 4;

    public const int MaxReadAheadBlocks = 64;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint) || Endpoint.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException($"S3 endpoint '{Endpoint}' must be host or host:port, without a scheme (UseTls chooses https).");
        }
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            throw new ArgumentException("S3 bucket is required.");
        }
        if (BlockSize is < MinBlockSize or > MaxBlockSize)
        {
            throw new ArgumentException($"S3 block size {BlockSize} must be between {MinBlockSize} and {MaxBlockSize} bytes.");
        }
        if (MaxDirtyBytes < BlockSize || MaxDirtyBytes / BlockSize > int.MaxValue)
        {
            throw new ArgumentException($"S3 max dirty bytes {MaxDirtyBytes} must hold at least one block of {BlockSize} bytes.");
        }
        if (CacheMemoryBytes != 0 && CacheMemoryBytes < BlockSize)
        {
            throw new ArgumentException($"S3 cache memory bytes {CacheMemoryBytes} must be 0 (no memory cache) or hold at least one block of {BlockSize} bytes.");
        }
        if (!string.IsNullOrEmpty(CacheDirectory) && CacheDiskBytes < BlockSize)
        {
            throw new ArgumentException($"S3 cache disk bytes {CacheDiskBytes} must hold at least one block of {BlockSize} bytes.");
        }
        if (ReadAheadBlocks is < 0 or > MaxReadAheadBlocks)
        {
            throw new ArgumentException($"S3 read-ahead blocks {ReadAheadBlocks} must be between 0 and {MaxReadAheadBlocks}.");
        }
        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentException($"S3 request timeout {RequestTimeout} must be positive and under 24 days.");
        }
    }

    /// <summary>The configured keys, else the standard AWS environment variables; throws when neither gives both.</summary>
    internal S3Credentials ResolveCredentials(Func<string, string?> environment)
    {
        string? accessKey = AccessKey ?? environment("AWS_ACCESS_KEY_ID");
        string? secretKey = SecretKey ?? environment("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new ArgumentException("S3 credentials are missing: set AccessKey and SecretKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.");
        }
        return new S3Credentials(accessKey, secretKey);
    }
}
