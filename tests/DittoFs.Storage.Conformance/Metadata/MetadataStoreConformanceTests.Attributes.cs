using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Chmod_changes_the_mode_and_moves_ctime()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var after = await SetAttributesAsync(file.Ref, Mode("600"));

        Assert.That(after.Mode, Is.EqualTo(Octal("600")));
        Assert.That(after.ChangeTime, Is.GreaterThan(file.ChangeTime));
        Assert.That(after.ModifyTime, Is.EqualTo(file.ModifyTime));
    }

    [Test]
    public async Task Setattr_returns_the_attributes_before_as_wcc_data()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var changed = await Store.SetAttributesAsync(Superuser, file.Ref, Mode("600"), null);

        Assert.That(changed.Value.Before, Is.EqualTo(file.ToWcc()));
        Assert.That(changed.Value.After, Is.EqualTo(await AttributesOfAsync(file.Ref)));
    }

    [Test]
    public async Task An_empty_setattr_changes_nothing()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var after = await SetAttributesAsync(file.Ref, SetAttributes.None, Bob);

        Assert.That(after, Is.EqualTo(file));
    }

    [Test]
    public async Task Setattr_with_a_matching_guard_applies()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var changed = await Store.SetAttributesAsync(Superuser, file.Ref, Mode("600"), file.ChangeTime);

        Assert.That(changed.Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Setattr_with_a_stale_guard_is_not_sync_and_changes_nothing()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var guard = new FileTime(file.ChangeTime.Seconds - 1, file.ChangeTime.Nanoseconds);

        var changed = await Store.SetAttributesAsync(Superuser, file.Ref, Mode("600"), guard);

        Assert.That(changed.Status, Is.EqualTo(StoreStatus.NotSync));
        Assert.That((await AttributesOfAsync(file.Ref)).Mode, Is.EqualTo(file.Mode));
    }

    [Test]
    public async Task Truncation_sets_the_size_and_moves_mtime()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var after = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 4096 });

        Assert.That(after.Size, Is.EqualTo(4096));
        Assert.That(after.ModifyTime, Is.GreaterThan(file.ModifyTime));
    }

    [Test]
    public async Task Setting_the_size_of_a_directory_is_is_dir()
    {
        var directory = await MkdirAsync(ShareRoot, "d");

        Assert.That(await SetAttributesStatusAsync(directory.Ref, new SetAttributes { Size = 0 }, Superuser), Is.EqualTo(StoreStatus.IsDir));
    }

    [Test]
    public async Task Setting_the_size_of_a_symlink_is_inval()
    {
        var link = await Store.SymlinkAsync(Superuser, ShareRoot, Name("l"), Name("target"), default);

        Assert.That(await SetAttributesStatusAsync(link.Value.File.Ref, new SetAttributes { Size = 0 }, Superuser), Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public async Task A_size_beyond_the_largest_file_is_fbig()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var changed = await SetAttributesStatusAsync(file.Ref, new SetAttributes { Size = PosixRules.MaxFileSize + 1 }, Superuser);

        Assert.That(changed, Is.EqualTo(StoreStatus.FBig));
    }

    [Test]
    public async Task Client_times_are_kept_to_the_nanosecond()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var atime = new FileTime(1_000_000_000, 123_456_789);
        var mtime = new FileTime(1_200_000_000, 987_654_321);

        await SetAttributesAsync(file.Ref, new SetAttributes { AccessTime = TimeChange.ToClientTime(atime), ModifyTime = TimeChange.ToClientTime(mtime) });

        var after = await AttributesOfAsync(file.Ref);
        Assert.That((after.AccessTime, after.ModifyTime), Is.EqualTo((atime, mtime)));
    }

    [Test]
    public async Task Server_time_sets_a_time_later_than_the_last_change()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await SetAttributesAsync(file.Ref, new SetAttributes { ModifyTime = TimeChange.ToClientTime(new FileTime(1, 0)) });

        var after = await SetAttributesAsync(file.Ref, new SetAttributes { ModifyTime = TimeChange.ServerTime });

        Assert.That(after.ModifyTime, Is.GreaterThan(file.ChangeTime));
    }

    [Test]
    public async Task A_client_time_with_a_second_or_more_of_nanoseconds_is_inval()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var changed = await SetAttributesStatusAsync(file.Ref,
            new SetAttributes { ModifyTime = TimeChange.ToClientTime(new FileTime(5, 1_000_000_000)) }, Superuser);

        Assert.That(changed, Is.EqualTo(StoreStatus.Inval));
    }

    [Test]
    public async Task Each_change_gets_a_later_ctime()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var times = new List<FileTime> { file.ChangeTime };
        for (int i = 0; i < 50; i++)
        {
            times.Add((await SetAttributesAsync(file.Ref, Mode(i % 2 == 0 ? "600" : "644"))).ChangeTime);
        }

        Assert.That(times, Is.Ordered.Ascending);
        Assert.That(times, Is.Unique);
    }

    [Test]
    public async Task Setattr_of_a_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That(await SetAttributesStatusAsync(file.Ref, Mode("600"), Superuser), Is.EqualTo(StoreStatus.Stale));
    }
}
