using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>A fresh store per test in its own directory, with one share, and a way to close and reopen it.</summary>
public abstract class StoreOnDiskFixture
{
    protected static readonly AuthContext Root = AuthContext.Root();
    private readonly TemporaryDirectories _directories = new("rocksdb");

    protected string DatabasePath { get; private set; } = null!;

    protected RocksDbMetadataStore Store { get; set; } = null!;

    protected FileRef Share { get; private set; }

    [SetUp]
    public async Task OpenStoreAsync()
    {
        DatabasePath = _directories.Create();
        Store = new RocksDbMetadataStore(DatabasePath);
        Share = (await Store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
    }

    [TearDown]
    public void DisposeStore() => Store.Dispose();

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    /// <summary>Closes the store and opens its directory again, as a restart does.</summary>
    protected void Reopen()
    {
        Store.Dispose();
        Store = new RocksDbMetadataStore(DatabasePath);
    }
}
