using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

// RevertAttributesAsync: taking back an attribute change whose content part the content store refused.
public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Reverting_an_untouched_change_puts_back_mode_owner_size_and_times()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);
        var original = (await Store.CommitWriteAsync(Alice, file.Ref, 0, 10)).Value.After!.Value;
        var changed = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 999, Mode = Octal("600") }, Alice);

        Assert.That(await Store.RevertAttributesAsync(file.Ref, changed, original), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await AttributesOfAsync(file.Ref), Is.EqualTo(original));
    }

    [Test]
    public async Task A_change_made_after_the_one_to_revert_stands()
    {
        var file = await CreateOwnedFileAsync(ShareRoot, "f", "644", Alice);
        var original = await AttributesOfAsync(file.Ref);
        var changed = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 999 }, Alice);
        var later = await SetAttributesAsync(file.Ref, Mode("600"), Alice);

        Assert.That(await Store.RevertAttributesAsync(file.Ref, changed, original), Is.EqualTo(StoreStatus.NotSync));

        Assert.That(await AttributesOfAsync(file.Ref), Is.EqualTo(later));
    }

    [Test]
    public async Task Reverting_a_removed_file_is_stale()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var changed = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 5 });
        await Store.RemoveAsync(Superuser, ShareRoot, Name("f"));

        Assert.That(await Store.RevertAttributesAsync(file.Ref, changed, file), Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task A_revert_survives_reopening()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var changed = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 999 });
        Assert.That(await Store.RevertAttributesAsync(file.Ref, changed, file), Is.EqualTo(StoreStatus.Ok));

        await ReopenStoreAsync();

        Assert.That(await AttributesOfAsync(file.Ref), Is.EqualTo(file));
    }
}
