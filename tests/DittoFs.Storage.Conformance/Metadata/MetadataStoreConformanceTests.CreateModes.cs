using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

public abstract partial class MetadataStoreConformanceTests
{
    [Test]
    public async Task Guarded_create_of_an_existing_name_is_exist()
    {
        await CreateFileAsync(ShareRoot, "f");

        var again = await Store.CreateAsync(Superuser, ShareRoot, Name("f"), CreateMode.Guarded, default, 0);

        Assert.That(again.Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task Unchecked_create_of_an_existing_file_returns_it_truncated_to_the_requested_size()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        await SetAttributesAsync(file.Ref, new SetAttributes { Size = 5000 });

        var again = await Store.CreateAsync(Superuser, ShareRoot, Name("f"), CreateMode.Unchecked, new SetAttributes { Size = 0, Mode = Octal("600") }, 0);

        Assert.That(again.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(again.Value.File.FileId, Is.EqualTo(file.FileId));
        Assert.That(again.Value.File.Size, Is.Zero);
        Assert.That(again.Value.File.Mode, Is.EqualTo(file.Mode), "only the size applies to an existing file");
    }

    [Test]
    public async Task Unchecked_create_of_an_existing_file_without_a_size_leaves_it_alone()
    {
        var file = await CreateFileAsync(ShareRoot, "f");
        var grown = await SetAttributesAsync(file.Ref, new SetAttributes { Size = 5000 });

        var again = await Store.CreateAsync(Superuser, ShareRoot, Name("f"), CreateMode.Unchecked, default, 0);

        Assert.That(again.Value.File, Is.EqualTo(grown));
    }

    [Test]
    public async Task Unchecked_create_over_a_directory_is_exist()
    {
        await MkdirAsync(ShareRoot, "d");

        var created = await Store.CreateAsync(Superuser, ShareRoot, Name("d"), CreateMode.Unchecked, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task Exclusive_create_retried_with_the_same_verifier_finds_the_same_file()
    {
        var first = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Exclusive, default, 0x0102030405060708);

        var retry = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Exclusive, default, 0x0102030405060708);

        Assert.That(retry.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(retry.Value.File.Ref, Is.EqualTo(first.Value.File.Ref));
    }

    [Test]
    public async Task Exclusive_create_with_another_verifier_is_exist()
    {
        await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Exclusive, default, 1);

        var other = await Store.CreateAsync(Bob, ShareRoot, Name("f"), CreateMode.Exclusive, default, 2);

        Assert.That(other.Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task Exclusive_create_over_a_file_not_created_exclusively_is_exist()
    {
        await CreateFileAsync(ShareRoot, "f");

        var created = await Store.CreateAsync(Superuser, ShareRoot, Name("f"), CreateMode.Exclusive, default, 0);

        Assert.That(created.Status, Is.EqualTo(StoreStatus.Exist));
    }

    [Test]
    public async Task Exclusive_create_after_the_file_was_replaced_is_exist()
    {
        await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Exclusive, default, 7);
        await Store.RemoveAsync(Alice, ShareRoot, Name("f"));
        await CreateFileAsync(ShareRoot, "f");

        var retry = await Store.CreateAsync(Alice, ShareRoot, Name("f"), CreateMode.Exclusive, default, 7);

        Assert.That(retry.Status, Is.EqualTo(StoreStatus.Exist));
    }
}
