using DittoFs.Storage.Conformance;
using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// The shared content store suite against s3rver: once with the default 4 MiB blocks, and once with 64 KiB blocks
/// and room for only four dirty ones, so the suite's writes cross block boundaries, evict and merge all the time.
/// </summary>
[TestFixture(S3ContentStoreOptions.DefaultBlockSize, 128L * 1024 * 1024)]
[TestFixture(64 * 1024, 4L * 64 * 1024)]
public sealed class S3ContentStoreConformanceTests(int blockSize, long maxDirtyBytes) : ContentStoreConformanceTests
{
    private string _keyPrefix = "";

    protected override IContentStore CreateStore()
    {
        _keyPrefix = TestStores.NewPrefix();
        return OpenAsync().GetAwaiter().GetResult();
    }

    /// <summary>A new instance on the same bucket and prefix; the old one drops whatever was not flushed.</summary>
    protected override async ValueTask<IContentStore?> ReopenAsync(IContentStore store)
    {
        ((IDisposable)store).Dispose();
        return await OpenAsync();
    }

    private Task<S3ContentStore> OpenAsync() =>
        TestStores.OpenAsync(TestStores.Options(S3rverSetup.Server, _keyPrefix, blockSize, maxDirtyBytes));
}
