namespace DittoFs.Storage.Conformance;

/// <summary>
/// Fresh directories under one root per fixture, deleted when the fixture ends (after every store in them was
/// disposed: NUnit runs a base class's [TearDown], which disposes the store, after a derived one's).
/// </summary>
/// <param name="kind">Names the root (dittofs-tests/KIND-GUID under the temporary folder), so leftovers say whose they are.</param>
public sealed class TemporaryDirectories(string kind) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dittofs-tests", $"{kind}-{Guid.NewGuid():N}");

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
