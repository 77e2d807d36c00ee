using DittoFs.Storage.Conformance;
using NUnit.Framework;

namespace DittoFs.Storage.FileSystem.Tests;

/// <summary>The shared content suite, persistence tests included: a directory per test, reopened in place.</summary>
[TestFixture]
public sealed class FileSystemContentStoreConformanceTests : ContentStoreConformanceTests
{
    private readonly TemporaryDirectories _directories = new("content");
    private string _path = null!;

    protected override IContentStore CreateStore()
    {
        _path = _directories.Create();
        return new FileSystemContentStore(_path);
    }

    protected override ValueTask<IContentStore?> ReopenAsync(IContentStore store)
    {
        ((IDisposable)store).Dispose();
        return ValueTask.FromResult<IContentStore?>(new FileSystemContentStore(_path));
    }

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();
}
