using Minio;
using Minio.DataModel.Args;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>Stores over an s3rver, each test under its own key prefix in one shared bucket.</summary>
internal static class TestStores
{
    public const string Bucket = "dittofs-tests";

    public static string NewPrefix() => $"t{Guid.NewGuid():N}/";

    /// <summary>
    /// Options of a store on <paramref name="keyPrefix"/>, without a block cache unless asked (most tests pin the
    /// requests the layout makes, which a cache changes).
    /// </summary>
    public static S3ContentStoreOptions Options(S3rverProcess server, string keyPrefix, int blockSize = S3ContentStoreOptions.DefaultBlockSize, long? maxDirtyBytes = null, TimeSpan? requestTimeout = null,
        long cacheMemoryBytes = 0, string? cacheDirectory = null) => new()
    {
        Endpoint = server.Endpoint,
        Bucket = Bucket,
        KeyPrefix = keyPrefix,
        AccessKey = S3rverProcess.AccessKey,
        SecretKey = S3rverProcess.SecretKey,
        UseTls = false,
        BlockSize = blockSize,
        MaxDirtyBytes = maxDirtyBytes ?? 128L * 1024 * 1024,
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
        CacheMemoryBytes = cacheMemoryBytes,
        CacheDirectory = cacheDirectory,
    };

    /// <summary>A store sending its requests through <paramref name="handler"/> (a <see cref="RequestLog"/> by default).</summary>
    public static Task<S3ContentStore> OpenAsync(S3ContentStoreOptions options, HttpMessageHandler? handler = null) =>
        S3ContentStore.OpenAsync(options, handler ?? new RequestLog(), ProgressLogger.Instance, CancellationToken.None);

    /// <summary>Whether a request lists the bucket (one page of keys), as opposed to reading or writing an object.</summary>
    public static bool IsListing(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.TrimEnd('/') == "/" + Bucket;

    /// <summary>Every object under a prefix with its size, read straight from S3.</summary>
    public static async Task<Dictionary<string, long>> ObjectsAsync(S3rverProcess server, string keyPrefix)
    {
        using var client = Client(server);
        var objects = new Dictionary<string, long>();
        var list = new ListObjectsArgs().WithBucket(Bucket).WithPrefix(keyPrefix).WithRecursive(true);
        await foreach (var item in client.ListObjectsEnumAsync(list))
        {
            objects[item.Key[keyPrefix.Length..]] = (long)item.Size;
        }
        return objects;
    }

    /// <summary>Puts an object straight into S3, past any store.</summary>
    public static async Task PutObjectAsync(S3rverProcess server, string key, byte[] data)
    {
        using var client = Client(server);
        using var stream = new MemoryStream(data);
        await client.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject(key).WithStreamData(stream).WithObjectSize(data.Length));
    }

    private static IMinioClient Client(S3rverProcess server) => new MinioClient()
        .WithEndpoint(server.Endpoint)
        .WithCredentials(S3rverProcess.AccessKey, S3rverProcess.SecretKey)
        .WithSSL(false)
        .Build();
}
