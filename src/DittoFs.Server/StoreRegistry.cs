using DittoFs.Server.Configuration;
using DittoFs.Storage;
using DittoFs.Storage.FileSystem;
using DittoFs.Storage.Memory;
using DittoFs.Storage.RocksDb;

namespace DittoFs.Server;

/// <summary>
/// The named stores of a configuration, each created once and shared by every share that names it.
/// The factories below are the store types a config file may use.
/// </summary>
public sealed class StoreRegistry : IAsyncDisposable
{
    private static readonly Dictionary<string, Func<MetadataStoreConfig, IMetadataStore>> MetadataFactories = new()
    {
        ["memory"] = _ => new MemoryMetadataStore(),
        ["rocksdb"] = store => new RocksDbMetadataStore(CreateDirectory(store.Rocksdb!.DbPath)),
    };

    private static readonly Dictionary<string, Func<ContentStoreConfig, IContentStore>> ContentFactories = new()
    {
        ["memory"] = _ => new MemoryContentStore(),
        ["filesystem"] = store => new FileSystemContentStore(CreateDirectory(store.Filesystem!.Path)),
    };

    private static string CreateDirectory(string path) => Directory.CreateDirectory(path).FullName;

    public static StoreTypes AvailableTypes { get; } = new([.. MetadataFactories.Keys], [.. ContentFactories.Keys]);

    private StoreRegistry(Dictionary<string, IMetadataStore> metadata, Dictionary<string, IContentStore> content)
    {
        MetadataStores = metadata;
        ContentStores = content;
    }

    public IReadOnlyDictionary<string, IMetadataStore> MetadataStores { get; }
    public IReadOnlyDictionary<string, IContentStore> ContentStores { get; }

    /// <summary>Creates every store the configuration names (validated beforehand by <see cref="ConfigLoader"/>).</summary>
    public static StoreRegistry Create(DittoConfig config)
    {
        var metadata = new Dictionary<string, IMetadataStore>(StringComparer.Ordinal);
        var content = new Dictionary<string, IContentStore>(StringComparer.Ordinal);
        var registry = new StoreRegistry(metadata, content);
        try
        {
            foreach (var (name, store) in config.Metadata.Stores)
                metadata[name] = MetadataFactories[store.Type](store);
            foreach (var (name, store) in config.Content.Stores)
                content[name] = ContentFactories[store.Type](store);
            return registry;
        }
        catch
        {
            registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
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
