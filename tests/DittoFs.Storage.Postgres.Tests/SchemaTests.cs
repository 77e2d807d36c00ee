using Npgsql;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>The store creates its schema, upgrades it once, and refuses a schema newer than it knows.</summary>
[TestFixture]
public sealed class SchemaTests
{
    private string _database = null!;

    [OneTimeSetUp]
    public void CreateDatabase() => _database = ClusterSetup.Cluster.CreateDatabase();

    private static List<int> Versions(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT version FROM dittofs_schema ORDER BY version", connection);
        using var reader = command.ExecuteReader();
        var versions = new List<int>();
        while (reader.Read())
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }

    [Test]
    public void A_new_database_gets_every_migration_once_also_when_opened_again()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(_database);

        PostgresMetadataStoreConformanceTests.Open(connectionString).Dispose();
        PostgresMetadataStoreConformanceTests.Open(connectionString).Dispose();

        Assert.That(Versions(connectionString), Is.EqualTo(Enumerable.Range(1, Schema.LatestVersion)));
    }

    [Test]
    public async Task Servers_opening_a_new_database_together_migrate_it_once_and_share_one_identity()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(_database);

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresMetadataStoreConformanceTests.Open(connectionString))));
        try
        {
            var root = (await stores[0].GetOrCreateRootAsync("share", 0, 0, 0x1FF)).Value;
            foreach (var store in stores)
            {
                Assert.That((await store.GetAttributesAsync(root)).Status, Is.EqualTo(StoreStatus.Ok), "same generation everywhere");
            }
            Assert.That(Versions(connectionString), Is.EqualTo(Enumerable.Range(1, Schema.LatestVersion)));
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Test]
    public void A_schema_newer_than_this_build_knows_is_refused_with_a_clear_message()
    {
        string connectionString = ClusterSetup.Cluster.CreateSchema(_database);
        PostgresMetadataStoreConformanceTests.Open(connectionString).Dispose();
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"INSERT INTO dittofs_schema (version, description) VALUES ({Schema.LatestVersion + 1}, 'from the future')", connection);
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<PostgresSchemaException>(() => PostgresMetadataStoreConformanceTests.Open(connectionString))!;

        Assert.That(refused.DatabaseVersion, Is.EqualTo(Schema.LatestVersion + 1));
        Assert.That(refused.KnownVersion, Is.EqualTo(Schema.LatestVersion));
        Assert.That(refused.Message, Does.Contain($"schema version {Schema.LatestVersion + 1}").And.Contain("newer than this build knows").And.Contain(_database));
        Assert.That(Versions(connectionString), Has.Count.EqualTo(Schema.LatestVersion + 1), "nothing was changed");
    }

    [Test]
    public async Task The_store_commits_synchronously_and_bounds_statements_whatever_the_database_defaults()
    {
        string database = ClusterSetup.Cluster.CreateDatabase();
        using (var admin = new NpgsqlConnection(ClusterSetup.Cluster.ConnectionString(database)))
        {
            admin.Open();
            using var command = new NpgsqlCommand($"ALTER DATABASE {database} SET synchronous_commit = off", admin);
            command.ExecuteNonQuery();
        }

        using var store = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions
        {
            ConnectionString = ClusterSetup.Cluster.ConnectionString(database),
            StatementTimeout = TimeSpan.FromSeconds(7),
        });

        Assert.That(await store.SettingAsync("synchronous_commit"), Is.EqualTo("on"));
        Assert.That(await store.SettingAsync("statement_timeout"), Is.EqualTo("7s"));
    }

    [Test]
    public async Task Statements_are_prepared_on_a_connection_and_kept_when_it_goes_back_to_the_pool()
    {
        using var store = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions
        {
            ConnectionString = ClusterSetup.Cluster.CreateSchema(_database),
            MaxPoolSize = 1,
        });
        var root = await store.GetOrCreateRootAsync("/prepared", 0, 0, 0x1ED);
        for (int i = 0; i < 10; i++)
        {
            Assert.That((await store.GetAttributesAsync(root.Value)).Status, Is.EqualTo(StoreStatus.Ok));
        }

        // The pool's one connection, the one every GETATTR above went back to the pool on.
        await using var connection = await store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT % FROM inodes WHERE id = $1'", connection);
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(1L));
    }

    [Test]
    public void The_password_can_be_given_apart_and_is_never_in_the_messages()
    {
        // Trust authentication ignores the password; the point is that no message carries it.
        string connectionString = ClusterSetup.Cluster.CreateSchema(_database);
        var logger = new CollectingLogger();

        using var store = PostgresMetadataStore.Open(new PostgresMetadataStoreOptions { ConnectionString = connectionString, Password = "s3cret-pw", Logger = logger });

        Assert.That(store.Database, Does.Contain(_database).And.Not.Contain("s3cret"));
        Assert.That(logger.Lines.Select(l => l.Message), Has.None.Contains("s3cret"));
    }

    [Test]
    public void A_database_that_is_not_there_is_refused_naming_it()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ClusterSetup.Cluster.ConnectionString("no_such_database")) { Password = "s3cret-pw" }.ConnectionString;

        var refused = Assert.Throws<PostgresUnavailableException>(() => PostgresMetadataStoreConformanceTests.Open(connectionString))!;

        Assert.That(refused.Message, Does.Contain("'no_such_database' at 127.0.0.1:").And.Contain("does not exist").And.Not.Contain("s3cret"));
    }
}
