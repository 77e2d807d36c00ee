using DittoFs.Storage.Conformance;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>The shared metadata suite, persistence tests included: a database per test, reopened in place.</summary>
[TestFixture]
public sealed class RocksDbMetadataStoreConformanceTests : MetadataStoreConformanceTests
{
    private readonly TemporaryDirectories _directories = new("rocksdb");
    private string _path = null!;

    protected override IMetadataStore CreateStore()
    {
        _path = _directories.Create();
        return new RocksDbMetadataStore(_path);
    }

    protected override ValueTask<IMetadataStore?> ReopenAsync(IMetadataStore store)
    {
        ((IDisposable)store).Dispose();
        return ValueTask.FromResult<IMetadataStore?>(new RocksDbMetadataStore(_path));
    }

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();
}
