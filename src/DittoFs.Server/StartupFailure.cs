using System.Net;
using System.Net.Sockets;
using DittoFs.Server.Configuration;
using DittoFs.Storage.Postgres;
using DittoFs.Storage.S3;

namespace DittoFs.Server;

/// <summary>
/// The failures of a start that an operator fixes, turned into <see cref="StartupException"/>s naming the key; null
/// for anything else (a bug: it keeps its stack trace).
/// </summary>
internal static class StartupFailure
{
    public static StartupException? OfMetadataStore(string name, MetadataStoreConfig store, Exception exception)
    {
        if (store.Type == "postgres")
        {
            return exception switch
            {
                StartupException startup => startup,
                // Both messages name the database as 'NAME' at HOST:PORT and never carry the password.
                PostgresUnavailableException or PostgresSchemaException =>
                    new StartupException($"metadata store '{name}': {exception.Message}", $"metadata.stores.{name}.postgres.{PostgresKey(store.Postgres, exception)}", exception),
                ArgumentException => new StartupException($"metadata store '{name}': {exception.Message.TrimEnd('.')}", $"metadata.stores.{name}.postgres.connection_string", exception),
                _ => null,
            };
        }
        if (store.Rocksdb is not { } rocksdb)
            return null;
        string key = $"metadata.stores.{name}.rocksdb.db_path";
        return exception switch
        {
            RocksDbSharp.RocksDbException when exception.Message.Contains("lock file", StringComparison.OrdinalIgnoreCase) =>
                new StartupException($"metadata store '{name}' ({rocksdb.DbPath}) is held by another process: is another dittofs running on this data directory?", key, exception),
            RocksDbSharp.RocksDbException => new StartupException($"metadata store '{name}' ({rocksdb.DbPath}) cannot be opened: {exception.Message.Trim()}", key, exception),
            IOException or UnauthorizedAccessException => NotWritable($"metadata store '{name}'", rocksdb.DbPath, key, exception),
            _ => null,
        };
    }

    /// <summary>The key to change: the password's source when the login was refused, else the connection string.</summary>
    private static string PostgresKey(PostgresConfig? config, Exception exception) =>
        exception.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.InvalidPassword or Npgsql.PostgresErrorCodes.InvalidAuthorizationSpecification }
            ? config?.PasswordEnv is not null ? "password_env" : config?.PasswordFile is not null ? "password_file" : "connection_string"
            : "connection_string";

    public static StartupException? OfContentStore(string name, ContentStoreConfig store, Exception exception) => exception switch
    {
        S3UnavailableException s3 => new StartupException($"content store '{name}': {s3.Message}",
            s3.EndpointUnreachable ? $"content.stores.{name}.s3.endpoint" : $"content.stores.{name}.s3", exception),
        // Settings the S3 client refuses (missing credentials, an endpoint with a path).
        ArgumentException when store.S3 is not null => new StartupException($"content store '{name}': {exception.Message.TrimEnd('.')}", $"content.stores.{name}.s3", exception),
        // The S3 store's only local files are its block cache's.
        IOException when store.S3 is not null => new StartupException($"content store '{name}': {exception.Message}", $"content.stores.{name}.s3.cache_directory", exception),
        IOException or UnauthorizedAccessException when store.Filesystem is { } filesystem =>
            NotWritable($"content store '{name}'", filesystem.Path, $"content.stores.{name}.filesystem.path", exception),
        _ => null,
    };

    /// <summary>A directory the server needs that cannot be created or written (a read-only file system, a file in the way, permissions).</summary>
    public static StartupException NotWritable(string what, string path, string key, Exception exception) =>
        new($"{what}: directory {path} cannot be created or written: {exception.Message.TrimEnd('.')}", key, exception);

    /// <summary>
    /// A port that cannot be served: in use, or below 1024 without the privilege (<paramref name="key"/>); or an address
    /// (server.address) that is not this host's, or IPv6 on a host without it.
    /// </summary>
    public static StartupException? OfPort(string what, IPAddress address, int port, string key, Exception exception) => exception switch
    {
        SocketException { SocketErrorCode: SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported } socket =>
            new StartupException($"{what} cannot listen on {address}: {socket.Message}; give an address of this host", "server.address", exception),
        SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } =>
            new StartupException($"{what} port {port} is in use by another process", key, exception),
        SocketException { SocketErrorCode: SocketError.AccessDenied } =>
            new StartupException($"{what} port {port} needs root or CAP_NET_BIND_SERVICE (ports below 1024)", key, exception),
        SocketException socket => new StartupException($"{what} port {port} cannot be served: {socket.Message}", key, exception),
        _ => null,
    };
}
