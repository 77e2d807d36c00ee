using System.Text;
using Npgsql;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// Random creates, links, removes, renames and directory moves from two stores on one database at once, then the
/// tables checked against each other: whatever interleaving the row locks allowed, every count must still add up.
/// </summary>
[TestFixture]
public sealed class MixedLoadTests
{
    private static readonly AuthContext Root = AuthContext.Root();

    [Test]
    public async Task After_a_mixed_load_from_two_servers_every_count_in_the_tables_adds_up()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(ClusterSetup.Cluster.CreateDatabase());
        using var first = PostgresMetadataStoreConformanceTests.Open(connectionString);
        using var second = PostgresMetadataStoreConformanceTests.Open(connectionString);
        var share = (await first.GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
        var directories = new List<FileRef> { share };
        for (int i = 0; i < 4; i++)
        {
            directories.Add((await first.MkdirAsync(Root, share, Name($"d{i}"), default)).Value.File.Ref);
        }

        int succeeded = 0;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            var store = worker % 2 == 0 ? first : second;
            var random = new Random(worker);
            for (int round = 0; round < 150; round++)
            {
                var from = directories[random.Next(directories.Count)];
                var to = directories[random.Next(directories.Count)];
                var name = Name($"n{random.Next(12)}");
                var other = Name($"n{random.Next(12)}");
                var status = random.Next(6) switch
                {
                    0 => (await store.CreateAsync(Root, from, name, CreateMode.Unchecked, default, 0)).Status,
                    1 => (await store.MkdirAsync(Root, from, name, default)).Status,
                    2 => (await store.RemoveAsync(Root, from, name)).Status,
                    3 => (await store.RmdirAsync(Root, from, name)).Status,
                    4 => (await store.RenameAsync(Root, from, name, to, other)).Status,
                    _ => await LinkAsync(store, from, name, to, other),
                };
                Assert.That(status, Is.Not.AnyOf(StoreStatus.Io, StoreStatus.Jukebox, StoreStatus.ServerFault), $"worker {worker} round {round}");
                if (status == StoreStatus.Ok)
                {
                    Interlocked.Increment(ref succeeded);
                }
            }
        })));

        Assert.That(succeeded, Is.GreaterThan(200), "the load changed the tree");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var broken = new Dictionary<string, long>();
        broken["directories whose entry count is not their entries"] = await CountAsync(connection, """
                SELECT count(*) FROM inodes d WHERE d.type = 2 AND d.entry_count <> (SELECT count(*) FROM entries e WHERE e.dir_id = d.id)
                """);
        broken["directories whose link count is not 2 + their subdirectories"] = await CountAsync(connection, """
                SELECT count(*) FROM inodes d WHERE d.type = 2 AND d.link_count <> 2 + (SELECT count(*) FROM entries e JOIN inodes c ON c.id = e.child_id WHERE e.dir_id = d.id AND c.type = 2)
                """);
        broken["files whose link count is not their names"] = await CountAsync(connection, """
                SELECT count(*) FROM inodes f WHERE f.type <> 2 AND f.link_count <> (SELECT count(*) FROM entries e WHERE e.child_id = f.id)
                """);
        broken["directories with a cookie above their last one"] = await CountAsync(connection, """
                SELECT count(*) FROM inodes d WHERE d.type = 2 AND d.last_cookie < coalesce((SELECT max(cookie) FROM entries e WHERE e.dir_id = d.id), 0)
                """);
        broken["entries naming nothing or in no directory"] = await CountAsync(connection, """
                SELECT count(*) FROM entries e WHERE NOT EXISTS (SELECT 1 FROM inodes i WHERE i.id = e.child_id)
                    OR NOT EXISTS (SELECT 1 FROM inodes d WHERE d.id = e.dir_id AND d.type = 2)
                """);
        broken["directories not named exactly once in their recorded parent"] = await CountAsync(connection, """
                SELECT count(*) FROM inodes c WHERE c.type = 2 AND c.id <> c.root_id
                    AND (SELECT count(*) FROM entries e WHERE e.child_id = c.id AND e.dir_id = c.parent_id) <> 1
                """);
        broken["the object count is the number of objects"] = await CountAsync(connection, "SELECT (SELECT sum(count) FROM file_counts) - (SELECT count(*) FROM inodes)");
        Assert.That(broken.Where(check => check.Value != 0).Select(check => $"{check.Key}: {check.Value}"), Is.Empty);
    }

    private static async Task<StoreStatus> LinkAsync(PostgresMetadataStore store, FileRef from, ReadOnlyMemory<byte> name, FileRef to, ReadOnlyMemory<byte> other)
    {
        var found = await store.LookupAsync(Root, from, name);
        return found.IsOk ? (await store.LinkAsync(Root, found.Value.File.Ref, to, other)).Status : found.Status;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static ReadOnlyMemory<byte> Name(string name) => Encoding.UTF8.GetBytes(name);
}
