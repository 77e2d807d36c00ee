using DittoFs.Storage.TestSupport;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>A metadata store on a file system that fills up: failures are statuses, and what was stored stays readable.</summary>
[TestFixture]
public sealed class DiskFullTests
{
    [Test]
    public async Task Creating_on_a_full_disk_answers_no_spc_and_keeps_what_was_stored()
    {
        using var small = SmallFileSystem.TryMount(2 << 20, out string whyNot);
        if (small is null)
        {
            Assert.Ignore($"No small file system to fill here: {whyNot}");
        }
        using var store = new RocksDbMetadataStore(small!.Path);
        var auth = AuthContext.Root();
        var share = (await store.GetOrCreateRootAsync("share", 0, 0, Convert.ToUInt32("777", 8))).Value;
        var created = new List<InodeAttributes>();
        var status = StoreStatus.Ok;
        for (int i = 0; status == StoreStatus.Ok && i < 100_000; i++)
        {
            var name = System.Text.Encoding.UTF8.GetBytes($"{i:D6}-{new string('n', 240)}");
            var result = await store.CreateAsync(auth, share, name, CreateMode.Guarded, default, 0);
            status = result.Status;
            if (result.IsOk)
            {
                created.Add(result.Value.File);
            }
        }

        Assert.That(status, Is.EqualTo(StoreStatus.NoSpc));
        Assert.That(created, Is.Not.Empty);
        Assert.That((await store.GetAttributesAsync(created[^1].Ref)).Value, Is.EqualTo(created[^1]));
    }
}
