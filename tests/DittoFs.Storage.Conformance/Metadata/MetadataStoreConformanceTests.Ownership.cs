using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Chmod_by_someone_else_is_perm()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "666", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, Mode("777"), Bob), Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task Chmod_by_the_owner_applies()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That((await SetAttributesAsync(file.Ref, Mode("600"), Alice)).Mode, Is.EqualTo(Octal("600")));
    }

    [Test]
    public async Task Chmod_by_root_applies_to_any_file()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That((await SetAttributesAsync(file.Ref, Mode("4755"), Superuser)).Mode, Is.EqualTo(Octal("4755")));
    }

    [Test]
    public async Task Chown_by_the_owner_is_perm()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Uid = Bob.Uid }, Alice), Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task Chown_by_root_gives_the_file_away()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That((await SetAttributesAsync(file.Ref, new SetAttributes { Uid = Bob.Uid }, Superuser)).Uid, Is.EqualTo(Bob.Uid));
    }

    [Test]
    public async Task Chown_to_the_current_owner_is_allowed_to_the_owner()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Uid = Alice.Uid, Gid = Alice.Gid }, Alice), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task The_owner_may_change_the_group_to_one_of_their_groups()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Carol);

        Assert.That((await SetAttributesAsync(file.Ref, new SetAttributes { Gid = 1000 }, Carol)).Gid, Is.EqualTo(1000));
    }

    [Test]
    public async Task The_owner_may_not_change_the_group_to_a_foreign_group()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Gid = Bob.Gid }, Alice), Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task A_group_member_who_is_not_the_owner_may_not_change_the_group()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "664", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Gid = Carol.Gid }, Carol), Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task Chgrp_by_the_owner_clears_set_uid_and_set_gid()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "6755", Carol);

        var after = await SetAttributesAsync(file.Ref, new SetAttributes { Gid = 1000 }, Carol);

        Assert.That(after.Mode, Is.EqualTo(Octal("755")));
    }

    [Test]
    public async Task Chown_by_root_keeps_set_uid()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "4755", Alice);

        var after = await SetAttributesAsync(file.Ref, new SetAttributes { Uid = Bob.Uid }, Superuser);

        Assert.That(after.Mode, Is.EqualTo(Octal("4755")));
    }

    [Test]
    public async Task Set_gid_requested_by_an_owner_outside_the_group_is_dropped()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);
        await SetAttributesAsync(file.Ref, new SetAttributes { Gid = 4242 }, Superuser);

        var after = await SetAttributesAsync(file.Ref, Mode("2755"), Alice);

        Assert.That(after.Mode, Is.EqualTo(Octal("755")));
    }

    [Test]
    public async Task Setting_times_to_given_values_needs_the_owner()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "666", Alice);
        var touch = new SetAttributes { ModifyTime = TimeChange.ToClientTime(new FileTime(1000, 0)) };

        Assert.That(await SetAttributesStatusAsync(file.Ref, touch, Bob), Is.EqualTo(StoreStatus.Perm));
        Assert.That(await SetAttributesStatusAsync(file.Ref, touch, Alice), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Setting_times_to_now_is_allowed_to_writers()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "666", Alice);
        var touch = new SetAttributes { AccessTime = TimeChange.ServerTime, ModifyTime = TimeChange.ServerTime };

        Assert.That(await SetAttributesStatusAsync(file.Ref, touch, Bob), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Setting_times_to_now_without_write_permission_is_access()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);
        var touch = new SetAttributes { ModifyTime = TimeChange.ServerTime };

        Assert.That(await SetAttributesStatusAsync(file.Ref, touch, Bob), Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task Truncating_without_write_permission_is_access()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Size = 0 }, Bob), Is.EqualTo(StoreStatus.Access));
    }

    [Test]
    public async Task The_owner_may_truncate_without_the_write_bit()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "444", Alice);

        Assert.That(await SetAttributesStatusAsync(file.Ref, new SetAttributes { Size = 0 }, Alice), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Creating_with_another_owner_needs_root()
    {
        var byUser = await Store.CreateAsync(Alice, ShareRoot, Name("a"), CreateMode.Guarded, new SetAttributes { Uid = Bob.Uid }, 0);
        var byRoot = await Store.CreateAsync(Superuser, ShareRoot, Name("b"), CreateMode.Guarded, new SetAttributes { Uid = Bob.Uid }, 0);

        Assert.That(byUser.Status, Is.EqualTo(StoreStatus.Perm));
        Assert.That(await LookupStatusAsync(ShareRoot, "a"), Is.EqualTo(StoreStatus.NoEnt), "a refused creation leaves nothing");
        Assert.That(byRoot.Value.File.Uid, Is.EqualTo(Bob.Uid));
    }
}
