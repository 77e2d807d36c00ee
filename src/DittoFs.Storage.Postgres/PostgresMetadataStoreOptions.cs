using Microsoft.Extensions.Logging;

namespace DittoFs.Storage.Postgres;

/// <summary>How <see cref="PostgresMetadataStore.Open"/> reaches its database.</summary>
public sealed class PostgresMetadataStoreOptions
{
    /// <summary>
    /// An Npgsql connection string (Host, Port, Database, Username, ...). A password may be in it, but is better
    /// given through <see cref="Password"/> (from an environment variable or a file): it is never logged either way.
    /// Several stores can share one database in separate schemas with <c>Search Path=SCHEMA</c> (the schema must exist).
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>The password, when not in the connection string.</summary>
    public string? Password { get; init; }

    /// <summary>Most connections the store's pool opens (each change holds one for its transaction).</summary>
    public int MaxPoolSize { get; init; } = 20;

    /// <summary>
    /// Longest a statement may run, waiting for row locks included (PostgreSQL's statement_timeout); past it the
    /// change is rolled back and answers Jukebox.
    /// </summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many objects the store holds before creation fails with NoSpc (a soft limit across servers).</summary>
    public ulong MaxFiles { get; init; } = 1UL << 32;

    public FileClock? Clock { get; init; }

    public ILogger? Logger { get; init; }
}
