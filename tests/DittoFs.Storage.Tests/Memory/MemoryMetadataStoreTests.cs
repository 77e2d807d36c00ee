using System.Text;
using DittoFs.Storage.Memory;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Memory;

/// <summary>What the in-memory metadata store does beyond the conformance suite.</summary>
[TestFixture]
public sealed class MemoryMetadataStoreTests
{
    private static readonly AuthContext Root = AuthContext.Root();

    private static ReadOnlyMemory<byte> Name(string name) => Encoding.UTF8.GetBytes(name);

    [Test]
    public async Task Creating_beyond_the_file_limit_is_no_spc()
    {
        var store = new MemoryMetadataStore(maxFiles: 3);
        var root = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        await store.CreateAsync(Root, root, Name("a"), CreateMode.Guarded, default, 0);
        await store.MkdirAsync(Root, root, Name("b"), default);

        var third = await store.CreateAsync(Root, root, Name("c"), CreateMode.Guarded, default, 0);

        Assert.That(third.Status, Is.EqualTo(StoreStatus.NoSpc));
        Assert.That((await store.GetFileCountStatsAsync()).Value, Is.EqualTo(new FileCountStats(3, 0, 0)));
    }

    [Test]
    public async Task Removing_a_file_frees_its_slot()
    {
        var store = new MemoryMetadataStore(maxFiles: 2);
        var root = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        await store.CreateAsync(Root, root, Name("a"), CreateMode.Guarded, default, 0);
        await store.RemoveAsync(Root, root, Name("a"));

        var again = await store.CreateAsync(Root, root, Name("b"), CreateMode.Guarded, default, 0);

        Assert.That(again.Status, Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Handles_of_another_instance_are_stale()
    {
        var before = new MemoryMetadataStore();
        var oldRoot = (await before.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        var restarted = new MemoryMetadataStore();
        var newRoot = (await restarted.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;

        Assert.That(newRoot.FileId, Is.EqualTo(oldRoot.FileId), "same id, so only the generation tells them apart");
        Assert.That((await restarted.GetAttributesAsync(oldRoot)).Status, Is.EqualTo(StoreStatus.Stale));
    }

    [Test]
    public async Task Two_instances_hand_out_different_content_ids_for_the_same_file_id()
    {
        var first = new MemoryMetadataStore();
        var second = new MemoryMetadataStore();
        var a = await CreateInFreshRootAsync(first);
        var b = await CreateInFreshRootAsync(second);

        Assert.That(a.FileId, Is.EqualTo(b.FileId));
        Assert.That(a.ContentId, Is.Not.EqualTo(b.ContentId));
    }

    [Test]
    public async Task Cookies_of_another_instance_are_bad()
    {
        var before = new MemoryMetadataStore();
        var restarted = new MemoryMetadataStore();
        var oldPage = await ListRootAsync(before, 0, 0);
        var root = (await restarted.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        await restarted.CreateAsync(Root, root, Name("f"), CreateMode.Guarded, default, 0);

        var resumed = await restarted.ReadDirectoryAsync(Root, root, DirectoryCookie.FirstEntry, oldPage.CookieVerifier, new DirectoryEntry[4]);

        Assert.That(resumed.Status, Is.EqualTo(StoreStatus.BadCookie));
    }

    private static async Task<InodeAttributes> CreateInFreshRootAsync(MemoryMetadataStore store)
    {
        var root = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        return (await store.CreateAsync(Root, root, Name("f"), CreateMode.Guarded, default, 0)).Value.File;
    }

    private static async Task<DirectoryPage> ListRootAsync(MemoryMetadataStore store, ulong cookie, ulong verifier)
    {
        var root = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        return (await store.ReadDirectoryAsync(Root, root, cookie, verifier, new DirectoryEntry[4])).Value;
    }
}
