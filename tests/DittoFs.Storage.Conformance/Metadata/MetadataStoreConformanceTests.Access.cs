using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    private const AccessRights FileRights = AccessRights.Read | AccessRights.Modify | AccessRights.Extend | AccessRights.Execute;

    private async Task<AccessRights> GrantedAsync(FileRef file, AuthContext auth, AccessRights requested = AccessRights.All)
    {
        var access = await Store.AccessAsync(auth, file, requested);
        Assert.That(access.Status, Is.EqualTo(StoreStatus.Ok));
        return access.Value.Granted;
    }

    [Test]
    public async Task The_owner_gets_the_owner_bits()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "640", Alice);

        Assert.That(await GrantedAsync(file.Ref, Alice), Is.EqualTo(AccessRights.Read | AccessRights.Modify | AccessRights.Extend));
    }

    [Test]
    public async Task A_member_of_the_group_gets_the_group_bits()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "640", Alice);
        var groupMember = User(1003, Alice.Gid);

        Assert.That(await GrantedAsync(file.Ref, groupMember), Is.EqualTo(AccessRights.Read));
    }

    [Test]
    public async Task A_supplementary_group_counts_as_membership()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "640", Alice);

        Assert.That(await GrantedAsync(file.Ref, Carol), Is.EqualTo(AccessRights.Read));
    }

    [Test]
    public async Task Others_get_the_other_bits()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "645", Alice);

        Assert.That(await GrantedAsync(file.Ref, Bob), Is.EqualTo(AccessRights.Read | AccessRights.Execute));
    }

    [Test]
    public async Task The_owner_class_applies_even_when_other_bits_allow_more()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "077", Alice);

        Assert.That(await GrantedAsync(file.Ref, Alice), Is.EqualTo(AccessRights.None));
        Assert.That(await GrantedAsync(file.Ref, Bob), Is.EqualTo(FileRights));
    }

    [Test]
    public async Task On_a_directory_search_grants_lookup_and_write_grants_changes()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "750", Alice);

        Assert.That(await GrantedAsync(directory.Ref, Alice),
            Is.EqualTo(AccessRights.Read | AccessRights.Lookup | AccessRights.Modify | AccessRights.Extend | AccessRights.Delete));
        Assert.That(await GrantedAsync(directory.Ref, Carol), Is.EqualTo(AccessRights.Read | AccessRights.Lookup));
    }

    [Test]
    public async Task Write_without_search_on_a_directory_grants_no_changes()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "600", Alice);

        Assert.That(await GrantedAsync(directory.Ref, Alice), Is.EqualTo(AccessRights.Read));
    }

    [Test]
    public async Task Root_may_read_and_write_anything_but_executes_only_with_an_execute_bit()
    {
        var plain = await CreateOwnedFileAsync(ShareRoot, "plain", "000", Alice);
        var program = await CreateOwnedFileAsync(ShareRoot, "program", "001", Alice);

        Assert.That(await GrantedAsync(plain.Ref, Superuser), Is.EqualTo(AccessRights.Read | AccessRights.Modify | AccessRights.Extend));
        Assert.That(await GrantedAsync(program.Ref, Superuser), Is.EqualTo(FileRights));
    }

    [Test]
    public async Task Root_may_search_any_directory()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "000", Alice);

        Assert.That(await GrantedAsync(directory.Ref, Superuser, AccessRights.Lookup), Is.EqualTo(AccessRights.Lookup));
    }

    [Test]
    public async Task Only_requested_rights_are_answered()
    {
        var file = await CreateFileAsync(ShareRoot, "f", "777");

        Assert.That(await GrantedAsync(file.Ref, Bob, AccessRights.Read), Is.EqualTo(AccessRights.Read));
    }

    [Test]
    public async Task Access_returns_the_object_attributes()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var access = await Store.AccessAsync(Bob, file.Ref, AccessRights.Read);

        Assert.That(access.Value.Attributes, Is.EqualTo(file));
    }

    [Test]
    public async Task Lookup_without_search_permission_is_access()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "766", Alice);
        await CreateFileAsync(directory.Ref, "f");

        Assert.That(await LookupStatusAsync(directory.Ref, "f", Bob), Is.EqualTo(StoreStatus.Access));
        Assert.That(await LookupStatusAsync(directory.Ref, "f", Alice), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Creating_without_write_permission_on_the_directory_is_access()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "755", Alice);

        var created = await Store.CreateAsync(Bob, directory.Ref, Name("f"), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Access));
        Assert.That(created.Value.Directory.After, Is.EqualTo(directory), "WCC data comes with the failure");
    }

    [Test]
    public async Task Removing_without_write_permission_on_the_directory_is_access()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "755", Alice);
        await CreateFileAsync(directory.Ref, "f", "666");

        Assert.That((await Store.RemoveAsync(Bob, directory.Ref, Name("f"))).Status, Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task Listing_without_read_permission_is_access()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "711", Alice);

        var listed = await Store.ReadDirectoryAsync(Bob, directory.Ref, 0, 0, new DirectoryEntry[8]);

        Assert.That(listed.Status, Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task Root_creates_in_a_directory_without_permissions()
    {
        var directory = await MkdirOwnedAsync(ShareRoot, "d", "000", Alice);

        var created = await Store.CreateAsync(Superuser, directory.Ref, Name("f"), CreateMode.Guarded, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Reading_needs_read_permission()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "640", Alice);

        Assert.That((await Store.PrepareReadAsync(Carol, file.Ref)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.PrepareReadAsync(Bob, file.Ref)).Status, Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task Reading_is_allowed_with_only_execute_permission()
    {
        var program = await CreateOwnedFileAsync(ShareRoot, "program", "711", Alice);

        Assert.That((await Store.PrepareReadAsync(Bob, program.Ref)).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task The_owner_may_read_without_the_read_bit()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "000", Alice);

        Assert.That((await Store.PrepareReadAsync(Alice, file.Ref)).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Writing_needs_write_permission()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "664", Alice);

        Assert.That((await Store.PrepareWriteAsync(Carol, file.Ref, 0, 10)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await Store.PrepareWriteAsync(Bob, file.Ref, 0, 10)).Status, Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task The_owner_may_write_a_read_only_file()
    {
        var file = await CreateFileAsync(ShareRoot, "copy", "444", Alice);

        Assert.That((await Store.PrepareWriteAsync(Alice, file.Ref, 0, 10)).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Reading_a_directory_as_a_file_is_is_dir()
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That((await Store.PrepareReadAsync(Superuser, directory.Ref)).Status, Is.EqualTo(StoreStatus.IsDir));
        Assert.That((await Store.PrepareWriteAsync(Superuser, directory.Ref, 0, 1)).Status, Is.EqualTo(StoreStatus.IsDir));
    }

    [Test]
    public async Task Reading_a_symlink_as_a_file_is_inval()
    {
        var link = await Store.SymlinkAsync(Superuser, ShareRoot, Name("l"), Name("target"), default);

        Assert.That((await Store.PrepareReadAsync(Superuser, link.Value.File.Ref)).Status, Is.EqualTo(StoreStatus.Inval));
    }
}
