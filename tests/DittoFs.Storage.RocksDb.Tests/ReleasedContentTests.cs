using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// The release list: the content of a regular file whose last name a REMOVE or RENAME took is listed as released in
/// the batch that takes the name, so it is durable with the removal, until <see cref="RocksDbMetadataStore.ContentDeletedAsync"/>.
/// (A SIGKILL mid-workload: <see cref="CrashTests"/>.)
/// </summary>
[TestFixture]
public sealed class ReleasedContentTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private readonly TemporaryDirectories _directories = new("rocksdb");
    private string _path = null!;
    private RocksDbMetadataStore _store = null!;
    private FileRef _share;

    [SetUp]
    public async Task OpenStoreAsync()
    {
        _path = _directories.Create();
        _store = new RocksDbMetadataStore(_path);
        _share = (await _store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
    }

    [TearDown]
    public void DisposeStore() => _store.Dispose();

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    private async Task<IReadOnlyList<ContentId>> ReleasedAfterReopenAsync()
    {
        _store.Dispose();
        _store = new RocksDbMetadataStore(_path);
        return await _store.ListReleasedContentAsync();
    }

    private async Task<InodeAttributes> CreateWrittenAsync(string name)
    {
        var created = await _store.CreateAsync(Root, _share, System.Text.Encoding.UTF8.GetBytes(name), CreateMode.Guarded, default, 0);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"create {name}");
        var file = created.Value.File;
        Assert.That((await _store.CommitWriteAsync(Root, file.Ref, 0, 100)).Status, Is.EqualTo(StoreStatus.Ok));
        return file;
    }

    [Test]
    public async Task Removing_a_files_last_name_lists_its_content_as_released_durably()
    {
        var file = await CreateWrittenAsync("f");

        var removed = await _store.RemoveAsync(Root, _share, "f"u8.ToArray());

        Assert.That(removed.Value.ReleasedContent, Is.EqualTo(file.ContentId));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { file.ContentId }));
    }

    [Test]
    public async Task Renaming_over_a_file_lists_the_replaced_files_content_as_released_durably()
    {
        var replaced = await CreateWrittenAsync("old");
        await CreateWrittenAsync("new");

        var renamed = await _store.RenameAsync(Root, _share, "new"u8.ToArray(), _share, "old"u8.ToArray());

        Assert.That(renamed.Value.ReleasedContent, Is.EqualTo(replaced.ContentId));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { replaced.ContentId }));
    }

    [Test]
    public async Task Content_said_deleted_is_no_longer_listed()
    {
        var kept = await CreateWrittenAsync("kept");
        var deleted = await CreateWrittenAsync("deleted");
        await _store.RemoveAsync(Root, _share, "kept"u8.ToArray());
        await _store.RemoveAsync(Root, _share, "deleted"u8.ToArray());

        Assert.That(await _store.ContentDeletedAsync(deleted.ContentId), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await _store.ListReleasedContentAsync(), Is.EqualTo(new[] { kept.ContentId }));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { kept.ContentId }));
    }

    [Test]
    public async Task A_name_whose_file_keeps_another_name_releases_nothing_until_the_last_goes()
    {
        var file = await CreateWrittenAsync("f");
        Assert.That((await _store.LinkAsync(Root, file.Ref, _share, "link"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.LinkAsync(Root, file.Ref, _share, "link2"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        await CreateWrittenAsync("other");

        await _store.RemoveAsync(Root, _share, "f"u8.ToArray());
        await _store.RenameAsync(Root, _share, "other"u8.ToArray(), _share, "link2"u8.ToArray()); // over one of its names
        Assert.That(await _store.ListReleasedContentAsync(), Is.Empty);

        await _store.RemoveAsync(Root, _share, "link"u8.ToArray());
        Assert.That(await _store.ListReleasedContentAsync(), Is.EqualTo(new[] { file.ContentId }));
    }

    [Test]
    public async Task Objects_without_content_release_nothing()
    {
        await _store.SymlinkAsync(Root, _share, "symlink"u8.ToArray(), "target"u8.ToArray(), default);
        await _store.MknodAsync(Root, _share, "fifo"u8.ToArray(), FileType.Fifo, default, default);
        await _store.MkdirAsync(Root, _share, "directory"u8.ToArray(), default);
        await _store.MkdirAsync(Root, _share, "replaced"u8.ToArray(), default);

        Assert.That((await _store.RemoveAsync(Root, _share, "symlink"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.RemoveAsync(Root, _share, "fifo"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.RenameAsync(Root, _share, "directory"u8.ToArray(), _share, "replaced"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReleasedAfterReopenAsync(), Is.Empty);
    }
}
