using System.Text;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// The database goes away under an open store: calls answer Jukebox (the client retries later) and one log line
/// names the database; when it is back the same store works again, with nothing reopened.
/// </summary>
[TestFixture]
public sealed class OutageTests
{
    private static readonly AuthContext Root = AuthContext.Root();

    [Test]
    public async Task A_stopped_database_answers_jukebox_and_the_same_store_works_again_when_it_is_back()
    {
        string database = ClusterSetup.Cluster.CreateDatabase();
        var logger = new CollectingLogger();
        using var store = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions
        {
            ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(ClusterSetup.Cluster.ConnectionString(database)) { Password = "s3cret-pw" }.ConnectionString,
            Logger = logger,
        });
        var share = (await store.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        var file = (await store.CreateAsync(Root, share, Encoding.UTF8.GetBytes("before"), CreateMode.Guarded, default, 0)).Value.File;

        ClusterSetup.Cluster.StopServer();
        try
        {
            Assert.That((await store.GetAttributesAsync(file.Ref)).Status, Is.EqualTo(StoreStatus.Jukebox));
            Assert.That((await store.CreateAsync(Root, share, Encoding.UTF8.GetBytes("during"), CreateMode.Guarded, default, 0)).Status, Is.EqualTo(StoreStatus.Jukebox));
            Assert.That((await store.RenameAsync(Root, share, Encoding.UTF8.GetBytes("before"), share, Encoding.UTF8.GetBytes("after"))).Status, Is.EqualTo(StoreStatus.Jukebox));
            Assert.That((await store.ReadDirectoryAsync(Root, share, 0, 0, new DirectoryEntry[8])).Status, Is.EqualTo(StoreStatus.Jukebox));
            Assert.That(await store.FlushAsync(file.Ref), Is.EqualTo(StoreStatus.Jukebox));
        }
        finally
        {
            ClusterSetup.Cluster.StartServer();
        }

        var unavailable = logger.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.That(unavailable, Has.Count.EqualTo(1), "one line per outage");
        Assert.That(unavailable[0], Does.Contain($"'{database}' at 127.0.0.1:{ClusterSetup.Cluster.Port}").And.Contain("Jukebox").And.Not.Contain("s3cret"));

        Assert.That((await store.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(file));
        Assert.That((await store.CreateAsync(Root, share, Encoding.UTF8.GetBytes("after-outage"), CreateMode.Guarded, default, 0)).Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((await store.LookupAsync(Root, share, Encoding.UTF8.GetBytes("during"))).Status, Is.EqualTo(StoreStatus.NoEnt), "the failed create left nothing");
        Assert.That(logger.Lines.Select(l => l.Message), Has.Some.Contains("answers again"));
    }

    [Test]
    public void A_shared_lock_table_answers_no_resources_while_the_database_is_stopped_and_works_again_when_it_is_back()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(ClusterSetup.Cluster.CreateDatabase());
        using var storeA = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions { ConnectionString = connectionString });
        using var storeB = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions { ConnectionString = connectionString });
        var a = storeA.CreateLockTable("/export", new MemoryLockTable(), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        var b = storeB.CreateLockTable("/export", new MemoryLockTable(), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        var file = new FileLockKey(7, 1);
        var ownerA = new LockOwner(LockClient.Nlm("host-a"), 1, "oh"u8);
        var ownerB = new LockOwner(LockClient.Nlm("host-b"), 1, "oh"u8);
        Assert.That(a.Lock(new LockRequest(file, ownerA, new LockRange(0, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Granted));

        ClusterSetup.Cluster.StopServer();
        try
        {
            Assert.That(b.Lock(new LockRequest(file, ownerB, new LockRange(0, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.NoResources));
            Assert.That(b.Share(file, ownerB, ShareAccess.Read, ShareDeny.None).Status, Is.EqualTo(LockStatus.NoResources));
            Assert.That(b.Test(file, ownerB, new LockRange(0, 10), LockMode.Shared).Status, Is.EqualTo(LockStatus.NoResources));
        }
        finally
        {
            ClusterSetup.Cluster.StartServer();
        }

        Assert.That(b.Lock(new LockRequest(file, ownerB, new LockRange(0, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Denied), "A's lock from before the outage still counts");
        Assert.That(b.Lock(new LockRequest(file, ownerB, new LockRange(10, 10), LockMode.Exclusive)).Status, Is.EqualTo(LockStatus.Granted));
    }
}
