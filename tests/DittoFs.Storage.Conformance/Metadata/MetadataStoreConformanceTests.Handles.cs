using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Root_is_a_directory_with_the_requested_owner_and_mode()
    {
        var root = await Store.GetOrCreateRootAsync("other", 1000, 100, Octal("750"));
        var attributes = await AttributesOfAsync(root.Value);

        Assert.That(attributes.Type, Is.EqualTo(FileType.Directory));
        Assert.That((attributes.Uid, attributes.Gid, attributes.Mode), Is.EqualTo((1000u, 100u, Octal("750"))));
        Assert.That(attributes.LinkCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Asking_for_a_share_root_twice_gives_the_same_root()
    {
        var again = await Store.GetOrCreateRootAsync("share", 0, 0, Octal("700"));

        Assert.That(again.Value, Is.EqualTo(ShareRoot));
        Assert.That((await AttributesOfAsync(again.Value)).Mode, Is.EqualTo(Octal("777")), "an existing root keeps its mode");
    }

    [Test]
    public async Task Shares_of_one_store_have_separate_trees()
    {
        var other = (await Store.GetOrCreateRootAsync("other", 0, 0, Octal("777"))).Value;
        await CreateFileAsync(ShareRoot, "only-in-share");

        Assert.That(other, Is.Not.EqualTo(ShareRoot));
        Assert.That(await LookupStatusAsync(other, "only-in-share"), Is.EqualTo(StoreStatus.NoEnt));
    }

    [Test]
    public async Task Dot_dot_of_a_share_root_is_the_root()
    {
        var parent = await LookupAsync(ShareRoot, "..");

        Assert.That(parent.Ref, Is.EqualTo(ShareRoot));
    }

    [Test]
    public async Task Dot_is_the_directory_itself()
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That((await LookupAsync(directory.Ref, ".")).Ref, Is.EqualTo(directory.Ref));
    }

    [Test]
    public async Task Dot_dot_of_a_subdirectory_is_its_parent()
    {
        var parent = await MkdirAsync(ShareRoot, "parent");
        var child = await MkdirAsync(parent.Ref, "child");

        Assert.That((await LookupAsync(child.Ref, "..")).Ref, Is.EqualTo(parent.Ref));
    }

    [Test]
    public async Task File_ids_are_never_zero_and_never_shared()
    {
        var ids = new List<ulong> { ShareRoot.FileId };
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await CreateFileAsync(ShareRoot, $"f{i}")).FileId);
            ids.Add((await MkdirAsync(ShareRoot, $"d{i}")).FileId);
        }

        Assert.That(ids, Has.None.EqualTo(0UL));
        Assert.That(ids, Is.Unique);
    }

    [Test]
    public async Task A_removed_file_id_is_not_given_to_a_new_file()
    {
        var first = await CreateFileAsync(ShareRoot, "a");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("a"));

        var second = await CreateFileAsync(ShareRoot, "a");

        Assert.That(second.FileId, Is.Not.EqualTo(first.FileId));
    }

    [Test]
    public async Task A_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "gone");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("gone"));

        Assert.That((await Store.GetAttributesAsync(file.Ref)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task A_handle_with_another_generation_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var otherGeneration = file.Ref with { Generation = file.Generation + 1 };

        Assert.That((await Store.GetAttributesAsync(otherGeneration)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task An_unknown_file_id_is_stale()
    {
        var unknown = ShareRoot with { FileId = ulong.MaxValue - 7 };

        Assert.That((await Store.GetAttributesAsync(unknown)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task A_removed_directory_is_stale_for_lookups_in_it()
    {
        var directory = await MkdirAsync(ShareRoot, "d");
        await Store.RmdirAsync(Superuser, ShareRoot, Name("d"));

        Assert.That(await LookupStatusAsync(directory.Ref, "x"), Is.EqualTo(StoreStatus.Stale));
        Assert.That((await Store.CreateAsync(Superuser, directory.Ref, Name("x"), CreateMode.Guarded, default, 0)).Status,
            Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task Attributes_name_the_handle_they_were_read_through()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        Assert.That((await AttributesOfAsync(file.Ref)).Ref, Is.EqualTo(file.Ref));
    }

    [Test]
    public async Task Regular_files_have_distinct_content_ids_and_other_types_none()
    {
        var a = await CreateFileAsync(ShareRoot, "a");
        var b = await CreateFileAsync(ShareRoot, "b");
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That(a.ContentId.IsNone, Is.False);
        Assert.That(a.ContentId, Is.Not.EqualTo(b.ContentId));
        Assert.That(directory.ContentId.IsNone, Is.True);
    }
}
