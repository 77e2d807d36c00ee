using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    private async Task<StoreStatus> RenameStatusAsync(FileRef from, string fromName, FileRef to, string toName, AuthContext? auth = null) =>
        (await Store.RenameAsync(auth ?? Superuser, from, Name(fromName), to, Name(toName))).Status;

    [Test]
    public async Task Rename_within_a_directory_moves_the_name()
    {
        var file = await CreateFileAsync(ShareRoot, "old");

        Assert.That(await RenameStatusAsync(ShareRoot, "old", ShareRoot, "new"), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await LookupStatusAsync(ShareRoot, "old"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That((await LookupAsync(ShareRoot, "new")).FileId, Is.EqualTo(file.FileId));
    }

    [Test]
    public async Task Rename_across_directories_moves_the_file()
    {
        var from = await MkdirAsync(ShareRoot, "from");
        var to = await MkdirAsync(ShareRoot, "to");
        var file = await CreateFileAsync(from.Ref, "f");

        Assert.That(await RenameStatusAsync(from.Ref, "f", to.Ref, "g"), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await LookupStatusAsync(from.Ref, "f"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That((await LookupAsync(to.Ref, "g")).FileId, Is.EqualTo(file.FileId));
    }

    [Test]
    public async Task Rename_returns_wcc_data_of_both_directories()
    {
        var from = await MkdirAsync(ShareRoot, "from");
        var to = await MkdirAsync(ShareRoot, "to");
        await CreateFileAsync(from.Ref, "f");
        var fromBefore = await AttributesOfAsync(from.Ref);

        var renamed = await Store.RenameAsync(Superuser, from.Ref, Name("f"), to.Ref, Name("f"));

        Assert.That(renamed.Value.FromDirectory.Before, Is.EqualTo(fromBefore.ToWcc()));
        Assert.That(renamed.Value.FromDirectory.After, Is.EqualTo(await AttributesOfAsync(from.Ref)));
        Assert.That(renamed.Value.ToDirectory.Before, Is.EqualTo(to.ToWcc()));
        Assert.That(renamed.Value.ToDirectory.After!.Value.ModifyTime, Is.GreaterThan(to.ModifyTime));
    }

    [Test]
    public async Task Rename_over_a_file_replaces_it_and_releases_its_content()
    {
        await CreateFileAsync(ShareRoot, "source");
        var target = await CreateFileAsync(ShareRoot, "target");

        var renamed = await Store.RenameAsync(Superuser, ShareRoot, Name("source"), ShareRoot, Name("target"));

        Assert.That(renamed.Value.ReleasedContent, Is.EqualTo(target.ContentId));
        Assert.That((await Store.GetAttributesAsync(target.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task Rename_over_a_file_with_other_names_keeps_it_with_one_link_less()
    {
        await CreateFileAsync(ShareRoot, "source");
        var target = await CreateFileAsync(ShareRoot, "target");
        await Store.LinkAsync(Superuser, target.Ref, ShareRoot, Name("other-name"));

        var renamed = await Store.RenameAsync(Superuser, ShareRoot, Name("source"), ShareRoot, Name("target"));

        Assert.That(renamed.Value.ReleasedContent.IsNone, Is.True);
        Assert.That((await AttributesOfAsync(target.Ref)).LinkCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Rename_over_an_empty_directory_replaces_it()
    {
        var source = await MkdirAsync(ShareRoot, "source");
        var target = await MkdirAsync(ShareRoot, "target");
        var linksBefore = (await AttributesOfAsync(ShareRoot)).LinkCount;

        Assert.That(await RenameStatusAsync(ShareRoot, "source", ShareRoot, "target"), Is.EqualTo(StoreStatus.Ok));
        Assert.That((await LookupAsync(ShareRoot, "target")).FileId, Is.EqualTo(source.FileId));
        Assert.That((await Store.GetAttributesAsync(target.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
        Assert.That((await AttributesOfAsync(ShareRoot)).LinkCount, Is.EqualTo(linksBefore - 1));
    }

    [Test]
    public async Task Rename_over_a_non_empty_directory_is_not_empty()
    {
        await MkdirAsync(ShareRoot, "source");
        var target = await MkdirAsync(ShareRoot, "target");
        await CreateFileAsync(target.Ref, "f");

        Assert.That(await RenameStatusAsync(ShareRoot, "source", ShareRoot, "target"), Is.EqualTo(StoreStatus.NotEmpty));
    }

    [Test]
    public async Task Rename_of_a_directory_over_a_file_is_not_dir()
    {
        await MkdirAsync(ShareRoot, "source");
        await CreateFileAsync(ShareRoot, "target");

        Assert.That(await RenameStatusAsync(ShareRoot, "source", ShareRoot, "target"), Is.EqualTo(StoreStatus.NotDir));
    }

    [Test]
    public async Task Rename_of_a_file_over_a_directory_is_is_dir()
    {
        await CreateFileAsync(ShareRoot, "source");
        await MkdirAsync(ShareRoot, "target");

        Assert.That(await RenameStatusAsync(ShareRoot, "source", ShareRoot, "target"), Is.EqualTo(StoreStatus.IsDir));
    }

    [Test]
    public async Task Rename_of_a_directory_into_itself_is_inval()
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That(await RenameStatusAsync(ShareRoot, "d", directory.Ref, "inside"), Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public async Task Rename_of_a_directory_into_its_own_subtree_is_inval()
    {
        var top = await MkdirAsync(ShareRoot, "top");
        var middle = await MkdirAsync(top.Ref, "middle");
        var bottom = await MkdirAsync(middle.Ref, "bottom");

        Assert.That(await RenameStatusAsync(ShareRoot, "top", bottom.Ref, "top"), Is.EqualTo(StoreStatus.Inval));
        Assert.That((await LookupAsync(ShareRoot, "top")).FileId, Is.EqualTo(top.FileId));
    }

    [Test]
    public async Task Rename_onto_an_ancestor_of_the_source_is_not_empty()
    {
        var a = await MkdirAsync(ShareRoot, "a");
        var b = await MkdirAsync(a.Ref, "b");
        await MkdirAsync(b.Ref, "c");

        Assert.That(await RenameStatusAsync(b.Ref, "c", ShareRoot, "a"), Is.EqualTo(StoreStatus.NotEmpty));
    }

    [Test]
    public async Task Rename_of_a_name_to_itself_does_nothing()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var before = await AttributesOfAsync(ShareRoot);

        Assert.That(await RenameStatusAsync(ShareRoot, "f", ShareRoot, "f"), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await AttributesOfAsync(ShareRoot), Is.EqualTo(before));
        Assert.That(await AttributesOfAsync(file.Ref), Is.EqualTo(file));
    }

    [Test]
    public async Task Rename_between_two_names_of_one_file_does_nothing()
    {
        var file = await CreateFileAsync(ShareRoot, "a");
        await Store.LinkAsync(Superuser, file.Ref, ShareRoot, Name("b"));

        Assert.That(await RenameStatusAsync(ShareRoot, "a", ShareRoot, "b"), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await LookupStatusAsync(ShareRoot, "a"), Is.EqualTo(StoreStatus.Ok));
        Assert.That((await AttributesOfAsync(file.Ref)).LinkCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Rename_of_a_missing_name_is_no_ent()
    {
        Assert.That(await RenameStatusAsync(ShareRoot, "missing", ShareRoot, "x"), Is.EqualTo(StoreStatus.NoEnt));
    }

    [TestCase(".", "x")]
    [TestCase("..", "x")]
    [TestCase("d", ".")]
    [TestCase("d", "..")]
    public async Task Rename_from_or_to_a_dot_name_is_inval(string fromName, string toName)
    {
        var parent = await MkdirAsync(ShareRoot, "parent");
        await MkdirAsync(parent.Ref, "d");

        Assert.That(await RenameStatusAsync(parent.Ref, fromName, parent.Ref, toName), Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public async Task Moving_a_directory_moves_its_link_to_the_new_parent()
    {
        var from = await MkdirAsync(ShareRoot, "from");
        var to = await MkdirAsync(ShareRoot, "to");
        var moved = await MkdirAsync(from.Ref, "moved");

        await Store.RenameAsync(Superuser, from.Ref, Name("moved"), to.Ref, Name("moved"));

        Assert.That((await AttributesOfAsync(from.Ref)).LinkCount, Is.EqualTo(2));
        Assert.That((await AttributesOfAsync(to.Ref)).LinkCount, Is.EqualTo(3));
        Assert.That((await LookupAsync(moved.Ref, "..")).Ref, Is.EqualTo(to.Ref));
    }

    [Test]
    public async Task Rename_moves_the_ctime_of_the_renamed_object()
    {
        var file = await CreateFileAsync(ShareRoot, "a");

        await Store.RenameAsync(Superuser, ShareRoot, Name("a"), ShareRoot, Name("b"));

        Assert.That((await AttributesOfAsync(file.Ref)).ChangeTime, Is.GreaterThan(file.ChangeTime));
    }

    [Test]
    public async Task Rename_into_a_directory_without_write_permission_is_access()
    {
        var locked = await MkdirOwnedAsync(ShareRoot, "locked", "755", Bob);
        await CreateFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That(await RenameStatusAsync(ShareRoot, "f", locked.Ref, "f", Alice), Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task Moving_a_directory_to_another_parent_needs_write_permission_on_it()
    {
        var from = await MkdirAsync(ShareRoot, "from", "777");
        var to = await MkdirAsync(ShareRoot, "to", "777");
        await MkdirOwnedAsync(from.Ref, "bobs", "555", Bob);

        Assert.That(await RenameStatusAsync(from.Ref, "bobs", to.Ref, "bobs", Alice), Is.EqualTo(StoreStatus.Access));
        Assert.That(await RenameStatusAsync(from.Ref, "bobs", from.Ref, "renamed", Alice), Is.EqualTo(StoreStatus.Ok),
            "within its parent its \"..\" stays, so no write permission on it is needed");
    }

    [Test]
    public async Task Rename_from_a_removed_directory_is_stale()
    {
        var directory = await MkdirAsync(ShareRoot, "d");
        await Store.RmdirAsync(Superuser, ShareRoot, Name("d"));

        Assert.That(await RenameStatusAsync(directory.Ref, "a", ShareRoot, "b"), Is.EqualTo(StoreStatus.Stale));
    }
}
