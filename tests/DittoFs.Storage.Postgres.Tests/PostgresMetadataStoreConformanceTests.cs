using DittoFs.Storage.Conformance;
using NUnit.Framework;

namespace DittoFs.Storage.Postgres.Tests;

/// <summary>
/// The shared metadata suite, persistence tests included, against the private cluster: each test a store in a schema
/// of its own (a new schema is much faster than a new database), reopened as a new store on the same schema.
/// </summary>
[TestFixture]
public sealed class PostgresMetadataStoreConformanceTests : MetadataStoreConformanceTests
{
    private string _database = null!;
    private string _connectionString = null!;

    [OneTimeSetUp]
    public void CreateDatabase() => _database = ClusterSetup.Cluster.CreateDatabase();

    protected override IMetadataStore CreateStore()
    {
        _connectionString = ClusterSetup.Cluster.CreateSchema(_database);
        return Open(_connectionString);
    }

    protected override ValueTask<IMetadataStore?> ReopenAsync(IMetadataStore store)
    {
        ((IDisposable)store).Dispose();
        return ValueTask.FromResult<IMetadataStore?>(Open(_connectionString));
    }

    internal static PostgresMetadataStore Open(string connectionString) =>
        PostgresMetadataStore.Open(new PostgresMetadataStoreOptions { ConnectionString = connectionString });
}
