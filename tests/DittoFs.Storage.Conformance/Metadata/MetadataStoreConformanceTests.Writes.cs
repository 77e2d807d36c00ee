using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    private async Task<WccData> WriteAsync(FileRef file, ulong offset, uint count, AuthContext? auth = null)
    {
        auth ??= Superuser;
        var prepared = await Store.PrepareWriteAsync(auth, file, offset, count);
        Assert.That(prepared.Status, Is.EqualTo(StoreStatus.Ok), "prepare write");
        var committed = await Store.CommitWriteAsync(auth, file, offset, count);
        Assert.That(committed.Status, Is.EqualTo(StoreStatus.Ok), "commit write");
        return committed.Value;
    }

    [Test]
    public async Task A_write_past_the_end_extends_the_file()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var wcc = await WriteAsync(file.Ref, 1000, 24);

        Assert.That(wcc.After!.Value.Size, Is.EqualTo(1024));
    }

    [Test]
    public async Task A_write_inside_the_file_keeps_its_size()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await WriteAsync(file.Ref, 0, 4096);

        var wcc = await WriteAsync(file.Ref, 100, 10);

        Assert.That(wcc.After!.Value.Size, Is.EqualTo(4096));
    }

    [Test]
    public async Task A_write_moves_mtime_and_ctime_and_returns_wcc_data()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var wcc = await WriteAsync(file.Ref, 0, 10);

        Assert.That(wcc.Before, Is.EqualTo(file.ToWcc()));
        Assert.That(wcc.After!.Value.ModifyTime, Is.GreaterThan(file.ModifyTime));
        Assert.That(wcc.After!.Value.ChangeTime, Is.GreaterThan(file.ChangeTime));
    }

    [Test]
    public async Task A_zero_byte_write_changes_nothing()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var wcc = await WriteAsync(file.Ref, 5000, 0);

        Assert.That(wcc.After, Is.EqualTo(file));
    }

    [Test]
    public async Task A_write_by_a_user_clears_set_uid_and_set_gid()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "6777", Alice);

        var wcc = await WriteAsync(file.Ref, 0, 1, Bob);

        Assert.That(wcc.After!.Value.Mode, Is.EqualTo(Octal("777")));
    }

    [Test]
    public async Task A_write_by_root_keeps_set_uid()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "4755", Alice);

        var wcc = await WriteAsync(file.Ref, 0, 1);

        Assert.That(wcc.After!.Value.Mode, Is.EqualTo(Octal("4755")));
    }

    [Test]
    public async Task Set_gid_without_group_execute_survives_a_write()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "2666", Alice);

        var wcc = await WriteAsync(file.Ref, 0, 1, Alice);

        Assert.That(wcc.After!.Value.Mode, Is.EqualTo(Octal("2666")));
    }

    [Test]
    public async Task Preparing_a_write_past_the_largest_file_is_fbig()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var prepared = await Store.PrepareWriteAsync(Superuser, file.Ref, PosixRules.MaxFileSize - 10, 11);

        Assert.That(prepared.Status, Is.EqualTo(StoreStatus.FBig));
    }

    [Test]
    public async Task Preparing_a_write_names_the_content_to_write_to()
    {
        var file = await CreateFileAsync(ShareRoot, "f");

        var prepared = await Store.PrepareWriteAsync(Superuser, file.Ref, 0, 10);

        Assert.That(prepared.Value.ContentId, Is.EqualTo(file.ContentId));
    }

    [Test]
    public async Task Flushing_a_written_file_is_ok_and_keeps_its_size()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await WriteAsync(file.Ref, 0, 4096);

        Assert.That(await Store.FlushAsync(file.Ref), Is.EqualTo(StoreStatus.Ok));
        Assert.That((await AttributesOfAsync(file.Ref)).Size, Is.EqualTo(4096));
    }

    [Test]
    public async Task Flushing_a_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That(await Store.FlushAsync(file.Ref), Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task Committing_a_write_to_a_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await Store.PrepareWriteAsync(Superuser, file.Ref, 0, 10);
        await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        var committed = await Store.CommitWriteAsync(Superuser, file.Ref, 0, 10);

        Assert.That(committed.Status, Is.EqualTo(StoreStatus.Stale));
    }
}
