using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task A_created_file_is_found_by_lookup()
    {
        var created = await CreateFileAsync(ShareRoot, "hello.txt");

        var found = await LookupAsync(ShareRoot, "hello.txt");

        Assert.That(found, Is.EqualTo(created));
    }

    [Test]
    public async Task A_created_file_belongs_to_its_creator_with_the_requested_mode()
    {
        var created = await CreateFileAsync(ShareRoot, "f", "640", Alice);

        Assert.That(created.Type, Is.EqualTo(FileType.Regular));
        Assert.That((created.Uid, created.Gid, created.Mode), Is.EqualTo((Alice.Uid, Alice.Gid, Octal("640"))));
        Assert.That((created.LinkCount, created.Size), Is.EqualTo((1u, 0UL)));
    }

    [Test]
    public async Task File_type_bits_in_a_requested_mode_are_ignored()
    {
        var created = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Guarded,
            new SetAttributes { Mode = Octal("100644") }, 0);

        Assert.That(created.Value.File.Mode, Is.EqualTo(Octal("644")));
    }

    [Test]
    public async Task A_file_created_with_a_size_has_that_size()
    {
        var created = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Guarded,
            new SetAttributes { Size = 12345 }, 0);

        Assert.That(created.Value.File.Size, Is.EqualTo(12345));
    }

    [Test]
    public async Task A_file_created_in_a_set_gid_directory_takes_the_directory_group()
    {
        var directory = await MkdirAsync(ShareRoot, "project", "2777");
        await SetAttributesAsync(directory.Ref, new SetAttributes { Gid = 500 });

        var created = await CreateFileAsync(directory.Ref, "f", "644", Alice);

        Assert.That(created.Gid, Is.EqualTo(500));
    }

    [Test]
    public async Task A_directory_created_in_a_set_gid_directory_inherits_set_gid()
    {
        var directory = await MkdirAsync(ShareRoot, "project", "2777");

        var created = await MkdirAsync(directory.Ref, "sub", "755", Alice);

        Assert.That(created.Mode & ModeBits.SetGid, Is.EqualTo(ModeBits.SetGid));
    }

    [Test]
    public async Task Creating_a_file_moves_the_directory_times_and_returns_its_wcc_data()
    {
        var before = await AttributesOfAsync(ShareRoot);

        var created = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Guarded, default, 0);

        var wcc = created.Value.Directory;
        Assert.That(wcc.Before, Is.EqualTo(before.ToWcc()));
        Assert.That(wcc.After!.Value.ModifyTime, Is.GreaterThan(before.ModifyTime));
        Assert.That(wcc.After!.Value.ChangeTime, Is.GreaterThan(before.ChangeTime));
        Assert.That(wcc.After, Is.EqualTo(await AttributesOfAsync(ShareRoot)));
    }

    [Test]
    public async Task Creating_in_a_file_is_not_dir()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var created = await Store.CreateAsync(Superuser, file.Ref, Name("x"), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.NotDir));
    }

    [Test]
    public async Task Looking_up_a_missing_name_is_no_ent_with_the_directory_attributes()
    {
        var missing = await Store.LookupAsync(Alice, ShareRoot, Name("missing"));

        Assert.That(missing.Status, Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(missing.Value.Directory, Is.EqualTo(await AttributesOfAsync(ShareRoot)));
    }

    [Test]
    public async Task Looking_up_in_a_file_is_not_dir()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        Assert.That(await LookupStatusAsync(file.Ref, "x"), Is.EqualTo(StoreStatus.NotDir));
    }

    [TestCase("", StoreStatus.Inval)]
    [TestCase("a/b", StoreStatus.Inval)]
    [TestCase("a\0b", StoreStatus.Inval)]
    [TestCase(".", StoreStatus.Exist)]
    [TestCase("..", StoreStatus.Exist)]
    public async Task Creating_a_bad_name_fails(string name, StoreStatus expected)
    {
        var created = await Store.CreateAsync(Superuser, ShareRoot, Name(name), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(expected));
    }

    [Test]
    public async Task A_name_of_255_bytes_is_allowed()
    {
        await CreateFileAsync(ShareRoot, new string('n', 255));

        Assert.That(await LookupStatusAsync(ShareRoot, new string('n', 255)), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task A_name_over_255_bytes_is_too_long()
    {
        var created = await Store.CreateAsync(Superuser, ShareRoot, Name(new string('n', 256)), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.NameTooLong));
        Assert.That(await LookupStatusAsync(ShareRoot, new string('n', 256)), Is.EqualTo(StoreStatus.NameTooLong));
    }

    [Test]
    public async Task Names_are_bytes_not_text()
    {
        byte[] latin1 = [0x63, 0x61, 0x66, 0xE9]; // "café" in Latin-1: not valid UTF-8
        var created = await Store.CreateAsync(Alice, ShareRoot, latin1, CreateMode.Guarded, default, 0);

        var found = await Store.LookupAsync(Alice, ShareRoot, latin1);
        var listed = await ListAllAsync(ShareRoot);

        Assert.That(found.Value.File.FileId, Is.EqualTo(created.Value.File.FileId));
        Assert.That(listed.Single().Name.ToArray(), Is.EqualTo(latin1));
        Assert.That(await LookupStatusAsync(ShareRoot, "café"), Is.EqualTo(StoreStatus.NoEnt), "the UTF-8 spelling is another name");
    }

    [Test]
    public async Task Names_are_case_sensitive()
    {
        var lower = await CreateFileAsync(ShareRoot, "a");
        var upper = await CreateFileAsync(ShareRoot, "A");

        Assert.That(lower.FileId, Is.Not.EqualTo(upper.FileId));
    }

    [Test]
    public async Task A_new_directory_has_two_links_and_adds_one_to_its_parent()
    {
        var parentBefore = await AttributesOfAsync(ShareRoot);

        var created = await MkdirAsync(ShareRoot, "d", "750", Alice);

        Assert.That((created.Type, created.LinkCount, created.Mode), Is.EqualTo((FileType.Directory, 2u, Octal("750"))));
        Assert.That((await AttributesOfAsync(ShareRoot)).LinkCount, Is.EqualTo(parentBefore.LinkCount + 1));
        Assert.That(await ListAllAsync(created.Ref), Is.Empty);
    }

    [Test]
    public async Task Mkdir_of_an_existing_name_is_exist()
    {
        await CreateFileAsync(ShareRoot, "taken");

        var created = await Store.MkdirAsync(Superuser, ShareRoot, Name("taken"), default);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task A_symlink_keeps_its_target_bytes()
    {
        byte[] target = [.. "../some/where"u8, 0xFF];
        var created = await Store.SymlinkAsync(Alice, ShareRoot, Name("link"), target, default);

        var read = await Store.ReadLinkAsync(Alice, created.Value.File.Ref);

        Assert.That(read.Value.Target.ToArray(), Is.EqualTo(target));
        Assert.That(created.Value.File.Type, Is.EqualTo(FileType.Symlink));
        Assert.That(created.Value.File.Size, Is.EqualTo((ulong)target.Length));
    }

    [Test]
    public async Task A_symlink_with_an_empty_target_is_inval()
    {
        var created = await Store.SymlinkAsync(Alice, ShareRoot, Name("link"), ReadOnlyMemory<byte>.Empty, default);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Inval));
        Assert.That(await LookupStatusAsync(ShareRoot, "link"), Is.EqualTo(StoreStatus.NoEnt));
    }

    [Test]
    public async Task Readlink_of_a_regular_file_is_inval()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        Assert.That((await Store.ReadLinkAsync(Superuser, file.Ref)).Status, Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public async Task Mknod_creates_a_fifo()
    {
        var created = await Store.MknodAsync(Alice, ShareRoot, Name("pipe"), FileType.Fifo, Mode("600"), default);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await LookupAsync(ShareRoot, "pipe")).Type, Is.EqualTo(FileType.Fifo));
    }

    [Test]
    public async Task Mknod_of_a_device_keeps_its_numbers()
    {
        var created = await Store.MknodAsync(Superuser, ShareRoot, Name("null"), FileType.CharDevice, Mode("666"), new DeviceNumber(1, 3));

        Assert.That(created.Value.File.Type, Is.EqualTo(FileType.CharDevice));
        Assert.That((await LookupAsync(ShareRoot, "null")).Device, Is.EqualTo(new DeviceNumber(1, 3)));
    }

    [Test]
    public async Task Mknod_of_a_device_by_a_user_is_perm()
    {
        var created = await Store.MknodAsync(Alice, ShareRoot, Name("disk"), FileType.BlockDevice, Mode("600"), new DeviceNumber(8, 0));

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Perm));
    }

    [TestCase(FileType.Regular)]
    [TestCase(FileType.Directory)]
    [TestCase(FileType.Symlink)]
    public async Task Mknod_of_a_type_with_its_own_procedure_is_bad_type(FileType type)
    {
        var created = await Store.MknodAsync(Superuser, ShareRoot, Name("x"), type, default, default);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.BadType));
    }

    [Test]
    public async Task A_removed_file_is_no_longer_found_and_the_directory_changed()
    {
        await CreateFileAsync(ShareRoot, "f");
        var before = await AttributesOfAsync(ShareRoot);

        var removed = await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That(removed.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(await LookupStatusAsync(ShareRoot, "f"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(removed.Value.Directory.Before, Is.EqualTo(before.ToWcc()));
        Assert.That(removed.Value.Directory.After!.Value.ModifyTime, Is.GreaterThan(before.ModifyTime));
    }

    [Test]
    public async Task Removing_a_missing_name_is_no_ent()
    {
        var removed = await Store.RemoveAsync(Superuser, ShareRoot, Name("missing"));

        Assert.That(removed.Status, Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(removed.Value.Directory.After, Is.EqualTo(await AttributesOfAsync(ShareRoot)));
    }

    [Test]
    public async Task Remove_of_a_directory_is_is_dir()
    {
        await MkdirAsync(ShareRoot, "d");

        Assert.That((await Store.RemoveAsync(Superuser, ShareRoot, Name("d"))).Status, Is.EqualTo(StoreStatus.IsDir));
        Assert.That(await LookupStatusAsync(ShareRoot, "d"), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Removing_the_last_name_releases_the_content()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var removed = await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That(removed.Value.ReleasedContent, Is.EqualTo(file.ContentId));
    }

    [Test]
    public async Task Rmdir_removes_an_empty_directory_and_its_link_from_the_parent()
    {
        await MkdirAsync(ShareRoot, "d");
        var parentBefore = await AttributesOfAsync(ShareRoot);

        var removed = await Store.RmdirAsync(Superuser, ShareRoot, Name("d"));

        Assert.That(removed.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(await LookupStatusAsync(ShareRoot, "d"), Is.EqualTo(StoreStatus.NoEnt));
        Assert.That(removed.Value.After!.Value.LinkCount, Is.EqualTo(parentBefore.LinkCount - 1));
    }

    [Test]
    public async Task Rmdir_of_a_non_empty_directory_is_not_empty()
    {
        var directory = await MkdirAsync(ShareRoot, "d");
        await CreateFileAsync(directory.Ref, "f");

        Assert.That((await Store.RmdirAsync(Superuser, ShareRoot, Name("d"))).Status, Is.EqualTo(StoreStatus.NotEmpty));
    }

    [Test]
    public async Task Rmdir_of_a_file_is_not_dir()
    {
        await CreateFileAsync(ShareRoot, "f");

        Assert.That((await Store.RmdirAsync(Superuser, ShareRoot, Name("f"))).Status, Is.EqualTo(StoreStatus.NotDir));
    }

    [TestCase(".", StoreStatus.Inval)]
    [TestCase("..", StoreStatus.NotEmpty)]
    public async Task Rmdir_of_a_dot_name_fails(string name, StoreStatus expected)
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That((await Store.RmdirAsync(Superuser, directory.Ref, Name(name))).Status, Is.EqualTo(expected));
    }

    [TestCase(".")]
    [TestCase("..")]
    public async Task Remove_of_a_dot_name_is_is_dir(string name)
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That((await Store.RemoveAsync(Superuser, directory.Ref, Name(name))).Status, Is.EqualTo(StoreStatus.IsDir));
    }

    [Test]
    public async Task File_count_stats_count_created_objects()
    {
        var before = (await Store.GetFileCountStatsAsync()).Value;
        await CreateFileAsync(ShareRoot, "a");
        await MkdirAsync(ShareRoot, "b");

        var after = (await Store.GetFileCountStatsAsync()).Value;

        Assert.That(after.FreeFiles, Is.EqualTo(before.FreeFiles - 2));
        Assert.That(after.FreeFiles, Is.LessThanOrEqualTo(after.TotalFiles));
    }
}
