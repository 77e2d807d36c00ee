namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// Fresh directories under one root per fixture, deleted when the fixture ends (after every store in them was
/// disposed: NUnit runs a base class's [TearDown], which disposes the store, after a derived one's).
/// </summary>
internal sealed class TemporaryDirectories : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dittofs-tests", $"rocksdb-{Guid.NewGuid():N}");

    public string Create()
    {
        string path = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
