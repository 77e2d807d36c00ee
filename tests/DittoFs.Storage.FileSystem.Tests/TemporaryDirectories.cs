namespace DittoFs.Storage.FileSystem.Tests;

/// <summary>Fresh directories under one root per fixture, deleted when the fixture ends (after every store in them was disposed).</summary>
internal sealed class TemporaryDirectories : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dittofs-tests", $"content-{Guid.NewGuid():N}");

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
