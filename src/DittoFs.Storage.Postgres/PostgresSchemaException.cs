namespace DittoFs.Storage.Postgres;

/// <summary>The database's schema is newer than this build knows: the store refuses to open it.</summary>
public sealed class PostgresSchemaException(string message, int databaseVersion, int knownVersion) : Exception(message)
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int KnownVersion { get; } = knownVersion;
}

/// <summary>The database cannot be reached or refused the connection when the store opens; the message says which and why.</summary>
public sealed class PostgresUnavailableException(string message, Exception inner) : Exception(message, inner);
