using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Storage;
using DittoFs.Storage.FileSystem;
using DittoFs.Storage.Memory;
using DittoFs.Storage.Postgres;
using DittoFs.Storage.RocksDb;
using DittoFs.Storage.S3;

namespace DittoFs.Server;

/// <summary>
/// The named stores of a configuration, each created once and shared by every share that names it.
/// The factories below are the store types a config file may use.
/// </summary>
public sealed class StoreRegistry : IAsyncDisposable
{
    private static readonly Dictionary<string, Func<string, MetadataStoreConfig, ILoggerFactory, IMetadataStore>> MetadataFactories = new()
    {
        ["memory"] = (_, _, _) => new MemoryMetadataStore(),
        ["rocksdb"] = (name, store, loggers) => RocksDbStore(name, store.Rocksdb!, loggers),
        ["postgres"] = (name, store, loggers) => PostgresMetadataStore.Open(PostgresOptions(name, store.Postgres!, loggers)),
    };

    /// <summary>A rocksdb store as its (validated) configuration says.</summary>
    private static RocksDbMetadataStore RocksDbStore(string name, RocksDbConfig config, ILoggerFactory loggers)
    {
        ConfigLoader.TryParseSize(config.BlockCacheSize, out long blockCacheBytes);
        return new RocksDbMetadataStore(CreateDirectory(config.DbPath, $"metadata store '{name}'", loggers), blockCacheBytes: blockCacheBytes);
    }

    /// <summary>
    /// The store's options; the password from the environment variable or file the configuration names (a missing
    /// one is a <see cref="StartupException"/> naming the key; the password itself is never in a message).
    /// </summary>
    internal static PostgresMetadataStoreOptions PostgresOptions(string name, PostgresConfig config, ILoggerFactory loggers)
    {
        string key = $"metadata.stores.{name}.postgres";
        string? password = null;
        if (config.PasswordEnv is { } variable)
        {
            password = Environment.GetEnvironmentVariable(variable)
                ?? throw new StartupException($"metadata store '{name}': environment variable {variable} (the database password) is not set", key + ".password_env");
        }
        else if (config.PasswordFile is { } file)
        {
            try
            {
                password = File.ReadAllText(file).TrimEnd('\r', '\n');
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"metadata store '{name}': password file {file} cannot be read: {exception.Message.TrimEnd('.')}", key + ".password_file", exception);
            }
        }
        ConfigLoader.TryParseDuration(config.StatementTimeout, out var statementTimeout);
        return new PostgresMetadataStoreOptions
        {
            ConnectionString = config.ConnectionString,
            Password = password,
            MaxPoolSize = config.MaxPoolSize,
            StatementTimeout = statementTimeout,
            Logger = loggers.CreateLogger("DittoFs.Storage.Postgres"),
        };
    }

    /// <summary>The content store types; the flag says whether other servers may write the same content (see <see cref="IsShared"/>).</summary>
    private static readonly Dictionary<string, Func<string, ContentStoreConfig, bool, ILoggerFactory, Task<IContentStore>>> ContentFactories = new()
    {
        ["memory"] = (_, _, _, _) => Task.FromResult<IContentStore>(new MemoryContentStore()),
        ["filesystem"] = (name, store, _, loggers) => Task.FromResult<IContentStore>(new FileSystemContentStore(CreateDirectory(store.Filesystem!.Path, $"content store '{name}'", loggers))),
        // The server's logger: S3 failures, its going silent and answering again are what an operator needs during an outage.
        ["s3"] = async (_, store, shared, loggers) =>
            await S3ContentStore.OpenAsync(S3Options(store.S3!, shared), loggers.CreateLogger("DittoFs.Storage.S3")).ConfigureAwait(false),
    };

    /// <summary>
    /// Whether content store <paramref name="name"/> may be written by other servers too: a share pairs it with a
    /// metadata store that several servers share (postgres). Such a store keeps nothing about a content between
    /// calls that another server could change (the S3 store's cached lengths).
    /// </summary>
    internal static bool IsShared(DittoConfig config, string name) =>
        config.Shares.Any(share => share.ContentStore == name
            && config.Metadata.Stores.TryGetValue(share.MetadataStore, out var metadata) && metadata.Type == "postgres");

    /// <summary>
    /// The endpoint may be written as a URL (http://host:port) or as host:port with use_tls; the URL's scheme wins.
    /// Credentials not in the file come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the store reads them).
    /// </summary>
    internal static S3ContentStoreOptions S3Options(S3ContentConfig config, bool shared = false)
    {
        string endpoint = config.Endpoint;
        bool useTls = config.UseTls;
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            endpoint = url.Authority;
            useTls = url.Scheme == "https";
        }
        ConfigLoader.TryParseSize(config.BlockSize, out long blockSize);
        ConfigLoader.TryParseSize(config.MaxDirtyBytes, out long maxDirtyBytes);
        ConfigLoader.TryParseDuration(config.RequestTimeout, out var requestTimeout);
        ConfigLoader.TryParseSize(config.CacheMemoryBytes, out long cacheMemoryBytes);
        ConfigLoader.TryParseSize(config.CacheDiskBytes, out long cacheDiskBytes);
        return new S3ContentStoreOptions
        {
            Endpoint = endpoint,
            Region = config.Region,
            Bucket = config.Bucket,
            KeyPrefix = config.KeyPrefix,
            AccessKey = config.AccessKey,
            SecretKey = config.SecretKey,
            UseTls = useTls,
            BlockSize = (int)blockSize,
            MaxDirtyBytes = maxDirtyBytes,
            RequestTimeout = requestTimeout,
            KeepIdleLengths = !shared,
            CacheMemoryBytes = cacheMemoryBytes,
            CacheDirectory = config.CacheDirectory,
            CacheDiskBytes = cacheDiskBytes,
            ReadAheadBlocks = config.ReadAheadBlocks,
        };
    }

    /// <summary>
    /// The store's directory, created when missing and then logged at INFO: a mistyped path in the configuration
    /// would otherwise start an empty store silently.
    /// </summary>
    private static string CreateDirectory(string path, string store, ILoggerFactory loggers)
    {
        if (Directory.Exists(path))
            return Path.GetFullPath(path);
        string created = Directory.CreateDirectory(path).FullName;
        loggers.CreateLogger<StoreRegistry>().LogInformation("Created directory {Directory} for {Store} (it did not exist)", created, store);
        return created;
    }

    public static StoreTypes AvailableTypes { get; } = new([.. MetadataFactories.Keys], [.. ContentFactories.Keys]);

    private StoreRegistry(Dictionary<string, IMetadataStore> metadata, Dictionary<string, IContentStore> content)
    {
        MetadataStores = metadata;
        ContentStores = content;
    }

    public IReadOnlyDictionary<string, IMetadataStore> MetadataStores { get; }
    public IReadOnlyDictionary<string, IContentStore> ContentStores { get; }

    /// <summary>
    /// Creates every store the configuration names (validated beforehand by <see cref="ConfigLoader"/>). A store that
    /// cannot be opened (a directory that cannot be written, a database another server holds, S3 unreachable) throws a
    /// <see cref="StartupException"/> naming the store and its key.
    /// </summary>
    public static async Task<StoreRegistry> CreateAsync(DittoConfig config, ILoggerFactory? loggerFactory = null)
    {
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var metadata = new Dictionary<string, IMetadataStore>(StringComparer.Ordinal);
        var content = new Dictionary<string, IContentStore>(StringComparer.Ordinal);
        var registry = new StoreRegistry(metadata, content);
        try
        {
            foreach (var (name, store) in config.Metadata.Stores)
            {
                try
                {
                    metadata[name] = MetadataFactories[store.Type](name, store, loggers);
                }
                catch (Exception exception) when (StartupFailure.OfMetadataStore(name, store, exception) is { } failure)
                {
                    throw failure;
                }
            }
            foreach (var (name, store) in config.Content.Stores)
            {
                try
                {
                    content[name] = await ContentFactories[store.Type](name, store, IsShared(config, name), loggers).ConfigureAwait(false);
                }
                catch (Exception exception) when (StartupFailure.OfContentStore(name, store, exception) is { } failure)
                {
                    throw failure;
                }
            }
            return registry;
        }
        catch
        {
            await registry.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in MetadataStores.Values.Cast<object>().Concat(ContentStores.Values))
        {
            if (store is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            else if (store is IDisposable disposable)
                disposable.Dispose();
        }
    }
}
