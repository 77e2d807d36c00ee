using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Link_adds_a_name_and_counts_it()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var other = await MkdirAsync(ShareRoot, "other");

        var linked = await Store.LinkAsync(Superuser, file.Ref, other.Ref, Name("g"));

        Assert.That(linked.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(linked.Value.File!.Value.LinkCount, Is.EqualTo(2));
        Assert.That((await LookupAsync(other.Ref, "g")).FileId, Is.EqualTo(file.FileId));
    }

    [Test]
    public async Task Link_moves_the_file_ctime_and_the_directory_mtime()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var before = await AttributesOfAsync(ShareRoot);

        var linked = await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("g"));

        Assert.That(linked.Value.File!.Value.ChangeTime, Is.GreaterThan(file.ChangeTime));
        Assert.That(linked.Value.Directory.Before, Is.EqualTo(before.ToWcc()));
        Assert.That(linked.Value.Directory.After!.Value.ModifyTime, Is.GreaterThan(before.ModifyTime));
    }

    [Test]
    public async Task Link_to_a_directory_is_perm()
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        var linked = await Store.LinkAsync(Superuser, directory.Ref, ShareRoot, Name("alias"));

        Assert.That(linked.Status, Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task Link_to_an_existing_name_is_exist()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await CreateFileAsync(ShareRoot, "taken");

        Assert.That((await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("taken"))).Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task Removing_one_of_two_names_keeps_the_file()
    {
        var file = await CreateFileAsync(ShareRoot, "a");
        await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("b"));

        var removed = await Store.RemoveAsync(Superuser, ShareRoot, Name("a"));

        Assert.That(removed.Value.ReleasedContent.IsNone, Is.True);
        var remaining = await AttributesOfAsync(file.Ref);
        Assert.That(remaining.LinkCount, Is.EqualTo(1));
        Assert.That((await LookupAsync(ShareRoot, "b")).FileId, Is.EqualTo(file.FileId));
    }

    [Test]
    public async Task A_directory_has_two_links_plus_one_per_subdirectory()
    {
        var directory = await MkdirAsync(ShareRoot, "d");
        await MkdirAsync(directory.Ref, "a");
        await MkdirAsync(directory.Ref, "b");
        await MkdirAsync(directory.Ref, "c");
        await CreateFileAsync(directory.Ref, "file");
        Assert.That((await AttributesOfAsync(directory.Ref)).LinkCount, Is.EqualTo(5));

        await Store.RmdirAsync(Superuser, directory.Ref, Name("b"));

        Assert.That((await AttributesOfAsync(directory.Ref)).LinkCount, Is.EqualTo(4));
    }

    [Test]
    public async Task Link_of_a_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That((await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("g"))).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task Link_into_a_directory_without_write_permission_is_access()
    {
        var file = await CreateFileAsync(ShareRoot, "f", "644", Alice);
        var locked = await MkdirOwnedAsync(ShareRoot, "locked", "755", Bob);

        Assert.That((await Store.LinkAsync(Alice, file.Ref, locked.Ref, Name("g"))).Status, Is.EqualTo(StoreStatus.Access));
    }
}
