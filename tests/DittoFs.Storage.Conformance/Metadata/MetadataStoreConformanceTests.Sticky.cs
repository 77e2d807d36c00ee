using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    /// <summary>A world-writable sticky directory owned by Carol (like /tmp), holding "alices" owned by Alice.</summary>
    private async Task<FileRef> StickyDirectoryWithAlicesFileAsync()
    {
        var sticky = await MkdirOwnedAsync(ShareRoot, "tmp", "1777", Carol);
        await CreateFileAsync(sticky.Ref, "alices", "666", Alice);
        return sticky.Ref;
    }

    [Test]
    public async Task In_a_sticky_directory_others_may_not_remove_an_entry()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();

        Assert.That((await Store.RemoveAsync(Bob, sticky, Name("alices"))).Status, Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task In_a_sticky_directory_the_entry_owner_may_remove_it()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();

        Assert.That((await Store.RemoveAsync(Alice, sticky, Name("alices"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task In_a_sticky_directory_the_directory_owner_may_remove_any_entry()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();

        Assert.That((await Store.RemoveAsync(Carol, sticky, Name("alices"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task In_a_sticky_directory_root_may_remove_any_entry()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();

        Assert.That((await Store.RemoveAsync(Superuser, sticky, Name("alices"))).Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task In_a_sticky_directory_others_may_not_rename_an_entry_away()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();

        var renamed = await Store.RenameAsync(Bob, sticky, Name("alices"), sticky, Name("bobs"));

        Assert.That(renamed.Status, Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task In_a_sticky_directory_others_may_not_replace_an_entry_by_rename()
    {
        var sticky = await StickyDirectoryWithAlicesFileAsync();
        await CreateFileAsync(sticky, "bobs", "644", Bob);

        var renamed = await Store.RenameAsync(Bob, sticky, Name("bobs"), sticky, Name("alices"));

        Assert.That(renamed.Status, Is.EqualTo(StoreStatus.Perm));
    }

    [Test]
    public async Task In_a_sticky_directory_others_may_not_remove_a_subdirectory()
    {
        var sticky = await MkdirOwnedAsync(ShareRoot, "tmp", "1777", Carol);
        await MkdirAsync(sticky.Ref, "alices", "777", Alice);

        Assert.That((await Store.RmdirAsync(Bob, sticky.Ref, Name("alices"))).Status, Is.EqualTo(StoreStatus.Perm));
    }
}
