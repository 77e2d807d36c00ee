using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>
/// The release list: the content of a regular file whose last name a REMOVE or RENAME took is listed as released in
/// the batch that takes the name, so it is durable with the removal, until <see cref="RocksDbMetadataStore.ContentDeletedAsync"/>.
/// (A SIGKILL mid-workload: <see cref="CrashTests"/>.)
/// </summary>
[TestFixture]
public sealed class ReleasedContentTests : StoreOnDiskFixture
{
    private async Task<IReadOnlyList<ContentId>> ReleasedAfterReopenAsync()
    {
        Reopen();
        return await Store.ListReleasedContentAsync();
    }

    private async Task<InodeAttributes> CreateWrittenAsync(string name)
    {
        var created = await Store.CreateAsync(Root, Share, System.Text.Encoding.UTF8.GetBytes(name), CreateMode.Guarded, default, 0);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok), $"create {name}");
        var file = created.Value.File;
        Assert.That((await Store.CommitWriteAsync(Root, file.Ref, 0, 100)).Status, Is.EqualTo(StoreStatus.Ok));
        return file;
    }

    [Test]
    public async Task Removing_a_files_last_name_lists_its_content_as_released_durably()
    {
        var file = await CreateWrittenAsync("f");

        var removed = await Store.RemoveAsync(Root, Share, "f"u8.ToArray());

        Assert.That(removed.Value.ReleasedContent, Is.EqualTo(file.ContentId));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { file.ContentId }));
    }

    [Test]
    public async Task Renaming_over_a_file_lists_the_replaced_files_content_as_released_durably()
    {
        var replaced = await CreateWrittenAsync("old");
        await CreateWrittenAsync("new");

        var renamed = await Store.RenameAsync(Root, Share, "new"u8.ToArray(), Share, "old"u8.ToArray());

        Assert.That(renamed.Value.ReleasedContent, Is.EqualTo(replaced.ContentId));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { replaced.ContentId }));
    }

    [Test]
    public async Task Content_said_deleted_is_no_longer_listed()
    {
        var kept = await CreateWrittenAsync("kept");
        var deleted = await CreateWrittenAsync("deleted");
        await Store.RemoveAsync(Root, Share, "kept"u8.ToArray());
        await Store.RemoveAsync(Root, Share, "deleted"u8.ToArray());

        Assert.That(await Store.ContentDeletedAsync(deleted.ContentId), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await Store.ListReleasedContentAsync(), Is.EqualTo(new[] { kept.ContentId }));
        Assert.That(await ReleasedAfterReopenAsync(), Is.EqualTo(new[] { kept.ContentId }));
    }

    [Test]
    public async Task A_name_whose_file_keeps_another_name_releases_nothing_until_the_last_goes()
    {
        var file = await CreateWrittenAsync("f");
        Assert.That((await Store.LinkAsync(Root, file.Ref, Share, "link"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.LinkAsync(Root, file.Ref, Share, "link2"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        await CreateWrittenAsync("other");

        await Store.RemoveAsync(Root, Share, "f"u8.ToArray());
        await Store.RenameAsync(Root, Share, "other"u8.ToArray(), Share, "link2"u8.ToArray()); // over one of its names
        Assert.That(await Store.ListReleasedContentAsync(), Is.Empty);

        await Store.RemoveAsync(Root, Share, "link"u8.ToArray());
        Assert.That(await Store.ListReleasedContentAsync(), Is.EqualTo(new[] { file.ContentId }));
    }

    [Test]
    public async Task Objects_without_content_release_nothing()
    {
        await Store.SymlinkAsync(Root, Share, "symlink"u8.ToArray(), "target"u8.ToArray(), default);
        await Store.MknodAsync(Root, Share, "fifo"u8.ToArray(), FileType.Fifo, default, default);
        await Store.MkdirAsync(Root, Share, "directory"u8.ToArray(), default);
        await Store.MkdirAsync(Root, Share, "replaced"u8.ToArray(), default);

        Assert.That((await Store.RemoveAsync(Root, Share, "symlink"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.RemoveAsync(Root, Share, "fifo"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.RenameAsync(Root, Share, "directory"u8.ToArray(), Share, "replaced"u8.ToArray())).Status, Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReleasedAfterReopenAsync(), Is.Empty);
    }
}
