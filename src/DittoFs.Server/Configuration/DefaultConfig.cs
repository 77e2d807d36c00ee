using DittoFs.Server.Configuration.Emit;

namespace DittoFs.Server.Configuration;

/// <summary>
/// The embedded configuration used when no file is given: one share, /export, persistent — RocksDB metadata,
/// file-system content and the status monitor's state under a data directory — so a restart keeps files and clients' handles.
/// </summary>
public static class DefaultConfig
{
    public const string ShareName = "/export";
    public const string DataDirectory = "/tmp/dittofs";

    /// <summary>Whether <paramref name="key"/> of the embedded configuration is a path under the data directory (set with --data-dir).</summary>
    public static bool IsDataDirectoryKey(string key) =>
        key is "metadata.stores.default-meta.rocksdb.db_path" or "content.stores.default-content.filesystem.path" or "locks.state_dir";

    /// <summary>
    /// The embedded default as the server runs it: the text `dittofs config init` writes, loaded like a file, with the
    /// environment's and the flags' values over it.
    /// </summary>
    public static DittoConfig Load(string dataDirectory, ConfigOverrides overrides) =>
        ConfigLoader.Load(AnnotatedConfig.Render(Create(dataDirectory)), StoreRegistry.AvailableTypes, overrides);

    public static DittoConfig Create(string dataDirectory = DataDirectory) => new()
    {
        Metadata = new() { Stores = { ["default-meta"] = new MetadataStoreConfig { Type = "rocksdb", Rocksdb = new() { DbPath = Path.Combine(dataDirectory, "metadata") } } } },
        Content = new() { Stores = { ["default-content"] = new ContentStoreConfig { Type = "filesystem", Filesystem = new() { Path = Path.Combine(dataDirectory, "content") } } } },
        Locks = new() { StateDir = Path.Combine(dataDirectory, "nsm") },
        Shares = { new ShareConfig { Name = ShareName, MetadataStore = "default-meta", ContentStore = "default-content" } },
    };
}
