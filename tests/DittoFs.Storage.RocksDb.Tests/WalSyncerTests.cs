using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

/// <summary>Group commit of the WAL (<see cref="WalSyncer"/>).</summary>
[TestFixture]
public sealed class WalSyncerTests
{
    private readonly TemporaryDirectories _directories = new("rocksdb");

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [Test]
    public async Task Changes_waiting_for_durability_at_the_same_time_share_wal_syncs()
    {
        using var database = MetadataDatabase.Open(_directories.Create());
        using var syncer = new WalSyncer(database);

        // 64 changes asking at once, as concurrent CREATEs would: they wait for the sync running when they ask (if
        // any) and then share the next one, instead of one sync each.
        var waits = Enumerable.Range(0, 64).Select(_ => syncer.SyncAsync()).ToArray();
        var statuses = await Task.WhenAll(waits);

        Assert.That(statuses, Is.All.EqualTo(StoreStatus.Ok));
        Assert.That(syncer.Syncs, Is.LessThan(16));
    }

    [Test]
    public async Task Each_wait_is_answered_by_a_sync_that_started_after_it_asked()
    {
        using var database = MetadataDatabase.Open(_directories.Create());
        using var syncer = new WalSyncer(database);

        for (int i = 1; i <= 3; i++)
        {
            Assert.That(await syncer.SyncAsync(), Is.EqualTo(StoreStatus.Ok));
            Assert.That(syncer.Syncs, Is.EqualTo(i));
        }
    }
}
