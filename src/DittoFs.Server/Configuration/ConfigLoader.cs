using System.Globalization;
using System.Net;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Loads and validates the YAML configuration. Strict: an unknown key, a wrong type or a dangling store reference is
/// an error naming the key, its line and column and what is allowed; all of a file's errors are reported at once, and
/// nothing starts half-configured.
/// </summary>
public static class ConfigLoader
{
    public static DittoConfig LoadFile(string path, StoreTypes available, ConfigOverrides? overrides = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, 0, $"cannot read the file: {e.Message}");
        }
        return Load(text, available, overrides);
    }

    /// <summary>
    /// The configuration of <paramref name="text"/> with the environment's and then the flags' values over it; every
    /// error found is in the one <see cref="ConfigException"/>, in the order of the file.
    /// </summary>
    public static DittoConfig Load(string text, StoreTypes available, ConfigOverrides? overrides = null)
    {
        var document = ConfigDocument.Parse(text);
        var errors = new List<ConfigError>();
        if (overrides?.Environment is { } environment)
            EnvironmentOverrides.Apply(environment, document, errors);
        overrides?.Flags?.Apply(document);
        var config = new ConfigReader(document, errors).Read();
        new Validator(config, document, available, errors).Run();
        if (errors.Count > 0)
            throw new ConfigException([.. errors.OrderBy(e => e.Line == 0 ? int.MaxValue : e.Line).ThenBy(e => e.Column).ThenBy(e => e.Line == 0 ? e.Key : "", StringComparer.Ordinal)]);
        overrides?.Flags?.MoveContent(config);
        return config;
    }

    /// <summary>"30s", "5m", "1h", "250ms" or a plain number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        text = text.Trim();
        (string unit, double scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, scale) in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal)
                && double.TryParse(text[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && value >= 0)
            {
                duration = TimeSpan.FromSeconds(value * scale);
                return true;
            }
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0)
        {
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        duration = default;
        return false;
    }

    /// <summary>"4MiB", "512KiB", "1048576".</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        text = text.Trim();
        (string unit, long scale)[] units = [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("B", 1)];
        foreach (var (unit, scale) in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal) && long.TryParse(text[..^unit.Length], out long value) && value > 0)
            {
                bytes = value * scale;
                return true;
            }
        }
        return long.TryParse(text, out bytes) && bytes > 0;
    }

    public static bool TryParseCidr(string text, out IPNetwork network) => IPNetwork.TryParse(text.Trim(), out network)
        || (IPAddress.TryParse(text.Trim(), out var single) && IPNetwork.TryParse($"{single}/{(single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}", out network));

    /// <summary>
    /// The checks that span keys, after <see cref="ConfigReader"/> checked each key on its own: store types of this
    /// build, the settings a store type needs, S3 bucket names, share names and the stores they refer to. A key that
    /// already has an error is not checked again.
    /// </summary>
    private sealed class Validator(DittoConfig config, ConfigDocument document, StoreTypes available, List<ConfigError> errors)
    {
        public void Run()
        {
            if (System.Text.Encoding.UTF8.GetByteCount(config.Locks.HostName) > 1024)
                Fail(["locks", "host_name"], "locks.host_name", "is longer than 1024 bytes (SM_MAXSTRLEN)");
            foreach (var (name, store) in config.Metadata.Stores)
                CheckMetadataStore(name, store);
            foreach (var (name, store) in config.Content.Stores)
                CheckContentStore(name, store);

            if (config.Shares.Count == 0)
                Fail(["shares"], "shares", "at least one share is needed (name, metadata_store, content_store)");
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < config.Shares.Count; i++)
                CheckShare(i, config.Shares[i], names);
        }

        private void CheckMetadataStore(string name, MetadataStoreConfig store)
        {
            string key = $"metadata.stores.{name}";
            object[] path = ["metadata", "stores", name];
            if (!available.Metadata.Contains(store.Type))
                Fail([.. path, "type"], key + ".type", $"'{store.Type}' is not a metadata store type; valid: {string.Join(", ", available.Metadata)}");
            if (store.Type == "rocksdb" && string.IsNullOrWhiteSpace(store.Rocksdb?.DbPath))
                Fail([.. path, "rocksdb"], key + ".rocksdb.db_path", "a rocksdb store needs rocksdb: { db_path: DIR }");
            if (store.Type == "postgres")
                CheckPostgres(key + ".postgres", [.. path, "postgres"], store.Postgres);
        }

        private void CheckPostgres(string key, object[] path, PostgresConfig? postgres)
        {
            if (string.IsNullOrWhiteSpace(postgres?.ConnectionString))
            {
                Fail(path, key + ".connection_string", "a postgres store needs postgres: { connection_string: \"Host=HOST;Database=NAME;Username=USER\" }");
                return;
            }
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString);
            }
            catch (ArgumentException exception)
            {
                // Npgsql's message names the keyword, never a value: no password gets into the error.
                Fail([.. path, "connection_string"], key + ".connection_string", $"is not an Npgsql connection string: {exception.Message.TrimEnd('.')}");
            }
            if (postgres.PasswordEnv is not null && postgres.PasswordFile is not null)
                Fail([.. path, "password_file"], key + ".password_file", "give the password in one way: password_env or password_file, not both");
        }

        private void CheckContentStore(string name, ContentStoreConfig store)
        {
            string key = $"content.stores.{name}";
            object[] path = ["content", "stores", name];
            if (!available.Content.Contains(store.Type))
                Fail([.. path, "type"], key + ".type", $"'{store.Type}' is not a content store type; valid: {string.Join(", ", available.Content)}");
            if (store.Type == "filesystem" && string.IsNullOrWhiteSpace(store.Filesystem?.Path))
                Fail([.. path, "filesystem"], key + ".filesystem.path", "a filesystem store needs filesystem: { path: DIR }");
            if (store.Type == "s3")
            {
                if (string.IsNullOrWhiteSpace(store.S3?.Bucket))
                    Fail([.. path, "s3"], key + ".s3.bucket", "an s3 store needs s3: { bucket: NAME, ... }");
                else if (!IsBucketName(store.S3.Bucket))
                    Fail([.. path, "s3", "bucket"], key + ".s3.bucket", $"'{store.S3.Bucket}' is not an S3 bucket name: 3 to 63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit");
                if (store.S3 is not null && string.IsNullOrWhiteSpace(store.S3.Endpoint))
                    Fail([.. path, "s3"], key + ".s3.endpoint", "an s3 store needs s3: { endpoint: http://HOST:PORT (or HOST:PORT), ... }");
                if (store.S3 is not null && TryParseSize(store.S3.BlockSize, out long block) && TryParseSize(store.S3.MaxDirtyBytes, out long dirty) && dirty < block)
                    Fail([.. path, "s3", "max_dirty_bytes"], key + ".s3.max_dirty_bytes", $"'{store.S3.MaxDirtyBytes}' is less than one block (block_size {store.S3.BlockSize})");
                if (store.S3 is not null && TryParseSize(store.S3.BlockSize, out block) && TryParseSize(store.S3.CacheMemoryBytes, out long memory) && memory != 0 && memory < block)
                    Fail([.. path, "s3", "cache_memory_bytes"], key + ".s3.cache_memory_bytes", $"'{store.S3.CacheMemoryBytes}' is less than one block (block_size {store.S3.BlockSize}); 0 turns the memory cache off");
                if (store.S3 is { CacheDirectory.Length: > 0 } && TryParseSize(store.S3.BlockSize, out block) && TryParseSize(store.S3.CacheDiskBytes, out long disk) && disk < block)
                    Fail([.. path, "s3", "cache_disk_bytes"], key + ".s3.cache_disk_bytes", $"'{store.S3.CacheDiskBytes}' is less than one block (block_size {store.S3.BlockSize})");
            }
        }

        private void CheckShare(int index, ShareConfig share, HashSet<string> names)
        {
            string key = $"shares[{index}]";
            object[] path = ["shares", index];
            if (!share.Name.StartsWith('/') || share.Name.Length > 1024)
                Fail([.. path, "name"], key + ".name", $"'{share.Name}' is not an export path such as /export");
            else if (!names.Add(share.Name))
                Fail([.. path, "name"], key + ".name", $"'{share.Name}' is exported twice");
            if (!config.Metadata.Stores.ContainsKey(share.MetadataStore))
                Fail([.. path, "metadata_store"], key + ".metadata_store", $"'{share.MetadataStore}' is not a store under metadata.stores; defined: {Listing(config.Metadata.Stores.Keys)}");
            if (!config.Content.Stores.ContainsKey(share.ContentStore))
                Fail([.. path, "content_store"], key + ".content_store", $"'{share.ContentStore}' is not a store under content.stores; defined: {Listing(config.Content.Stores.Keys)}");
            if (share.RootSquash && share.AllSquash)
                Fail([.. path, "all_squash"], key + ".all_squash", "all_squash already squashes root; set only one of root_squash and all_squash");
        }

        /// <summary>S3's bucket naming rules, as the S3 client checks them when the store opens.</summary>
        private static bool IsBucketName(string name)
        {
            static bool LetterOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
            return name.Length is >= 3 and <= 63 && LetterOrDigit(name[0]) && LetterOrDigit(name[^1])
                && name.All(c => LetterOrDigit(c) || c is '.' or '-') && !name.Contains("..", StringComparison.Ordinal);
        }

        private static string Listing(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "(none)";

        private void Fail(object[] path, string key, string problem)
        {
            // A key the reader already refused (or a required one it found missing) is not reported twice.
            if (errors.Any(e => e.Key == key || key.StartsWith(e.Key + ".", StringComparison.Ordinal)))
                return;
            errors.Add(document.ErrorAt(document.Find(path), key, problem));
        }
    }
}

/// <summary>The store types a build can create (what a config file may name).</summary>
public sealed record StoreTypes(IReadOnlyList<string> Metadata, IReadOnlyList<string> Content);
