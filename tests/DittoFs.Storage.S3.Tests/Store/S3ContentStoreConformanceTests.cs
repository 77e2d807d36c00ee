using DittoFs.Storage.Conformance;
using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// The shared content store suite against s3rver: with the default 4 MiB blocks and no cache; with 64 KiB blocks
/// and room for only four dirty ones, so the suite's writes cross block boundaries, evict and merge all the time;
/// and that again with a block cache of four blocks in memory and eight on disk (kept across the reopening tests),
/// so copies are evicted, promoted and forgotten all the time, and read-ahead runs.
/// </summary>
[TestFixture(S3ContentStoreOptions.DefaultBlockSize, 128L * 1024 * 1024, false)]
[TestFixture(64 * 1024, 4L * 64 * 1024, false)]
[TestFixture(64 * 1024, 4L * 64 * 1024, true)]
public sealed class S3ContentStoreConformanceTests(int blockSize, long maxDirtyBytes, bool cached) : ContentStoreConformanceTests
{
    private readonly TemporaryDirectories _directories = new("s3-cache");
    private string _keyPrefix = "";
    private string? _cacheDirectory;

    protected override IContentStore CreateStore()
    {
        _keyPrefix = TestStores.NewPrefix();
        _cacheDirectory = cached ? _directories.Create() : null;
        return OpenAsync().GetAwaiter().GetResult();
    }

    /// <summary>A new instance on the same bucket, prefix and cache directory; the old one drops whatever was not flushed.</summary>
    protected override async ValueTask<IContentStore?> ReopenAsync(IContentStore store)
    {
        ((IDisposable)store).Dispose();
        return await OpenAsync();
    }

    [OneTimeTearDown]
    public void DeleteCacheDirectories() => _directories.Dispose();

    private Task<S3ContentStore> OpenAsync()
    {
        var options = TestStores.Options(S3rverSetup.Server, _keyPrefix, blockSize, maxDirtyBytes,
            cacheMemoryBytes: cached ? 4L * blockSize : 0, cacheDirectory: _cacheDirectory);
        options.CacheDiskBytes = 8L * blockSize;
        return TestStores.OpenAsync(options);
    }
}
