using System.Globalization;
using System.Net;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Loads and validates the YAML configuration. Strict: an unknown key, a wrong type or a dangling store
/// reference is an error naming the key, its line and column and what is allowed; nothing starts half-configured.
/// </summary>
public static class ConfigLoader
{
    public static readonly string[] LogLevels = ["DEBUG", "INFO", "WARN", "ERROR"];
    public static readonly string[] LogFormats = ["text", "json"];

    public static DittoConfig LoadFile(string path, StoreTypes available)
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
        return Load(text, available);
    }

    public static DittoConfig Load(string text, StoreTypes available)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        DittoConfig? config;
        try
        {
            config = deserializer.Deserialize<DittoConfig?>(text);
        }
        catch (YamlException e)
        {
            throw Translate(e);
        }
        config ??= new DittoConfig();
        new Validator(config, new YamlLocator(text), available).Run();
        return config;
    }

    private static ConfigException Translate(YamlException e)
    {
        // YamlDotNet wraps the precise cause (unknown property, bad scalar) in inner exceptions.
        var inner = e;
        while (inner.InnerException is YamlException deeper)
            inner = deeper;
        string message = inner.InnerException?.Message ?? inner.Message;
        string key = "(file)";
        const string marker = "Property '";
        int at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            int end = message.IndexOf('\'', at + marker.Length);
            key = message[(at + marker.Length)..end];
            message = $"unknown key '{key}' (keys are snake_case; see the configuration reference in README.md)";
        }
        return new ConfigException(key, (int)inner.Start.Line, (int)inner.Start.Column, message);
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

    private sealed class Validator(DittoConfig config, YamlLocator locator, StoreTypes available)
    {
        public void Run()
        {
            var server = config.Server;
            if (server.Port is < 0 or > 65535)
                Fail(["server", "port"], "server.port", $"{server.Port} is not a TCP port (0-65535)");
            if (!LogLevels.Contains(server.LogLevel.ToUpperInvariant()))
                Fail(["server", "log_level"], "server.log_level", $"'{server.LogLevel}' is not one of {string.Join(", ", LogLevels)}");
            if (!LogFormats.Contains(server.LogFormat))
                Fail(["server", "log_format"], "server.log_format", $"'{server.LogFormat}' is not one of {string.Join(", ", LogFormats)}");
            if (!PortmapModes.TryParse(server.Portmap, out _))
                Fail(["server", "portmap"], "server.portmap", $"'{server.Portmap}' is not one of {string.Join(", ", PortmapModes.Names)}");
            if (!UdpSwitch.TryParse(server.Udp, out _))
                Fail(["server", "udp"], "server.udp", $"'{server.Udp}' is not one of {string.Join(", ", UdpSwitch.Names)}");
            if (server.NsmPort is < 0 or > 65535)
                Fail(["server", "nsm_port"], "server.nsm_port", $"{server.NsmPort} is not a port (0-65535; 0 = server.port)");
            var locks = config.Locks;
            if (locks.MaxMonitoredHosts is < 1 or > 65536)
                Fail(["locks", "max_monitored_hosts"], "locks.max_monitored_hosts", $"{locks.MaxMonitoredHosts} is not between 1 and 65536");
            if (System.Text.Encoding.UTF8.GetByteCount(locks.HostName) > 1024)
                Fail(["locks", "host_name"], "locks.host_name", "is longer than 1024 bytes (SM_MAXSTRLEN)");
            if (locks.PeerPortmapPort is < 1 or > 65535)
                Fail(["locks", "peer_portmap_port"], "locks.peer_portmap_port", $"{locks.PeerPortmapPort} is not a port (1-65535)");
            if (server.MaxConnections < 0)
                Fail(["server", "max_connections"], "server.max_connections", "must be 0 (unlimited) or more");
            if (!TryParseDuration(server.ShutdownTimeout, out _))
                Fail(["server", "shutdown_timeout"], "server.shutdown_timeout", $"'{server.ShutdownTimeout}' is not a duration such as 30s, 2m or 500ms");
            if (!TryParseDuration(server.IdleTimeout, out _))
                Fail(["server", "idle_timeout"], "server.idle_timeout", $"'{server.IdleTimeout}' is not a duration such as 5m or 300s");
            if (!TryParseDuration(server.RecordTimeout, out _))
                Fail(["server", "record_timeout"], "server.record_timeout", $"'{server.RecordTimeout}' is not a duration such as 30s or 2m (0s: never)");
            if (!TryParseSize(server.MaxPendingRecordBytes, out long pending) || pending < 4L << 20)
                Fail(["server", "max_pending_record_bytes"], "server.max_pending_record_bytes", $"'{server.MaxPendingRecordBytes}' is not a size of at least 4MiB (two records of the largest size)");
            if (server.NlmPort is < 0 or > 65535)
                Fail(["server", "nlm_port"], "server.nlm_port", $"{server.NlmPort} is not a port (0-65535; 0 = server.port)");
            if (!TryParseDuration(config.Locks.GracePeriod, out _))
                Fail(["locks", "grace_period"], "locks.grace_period", $"'{config.Locks.GracePeriod}' is not a duration such as 45s or 2m (0s: no grace period)");
            if (!TryParseDuration(config.Locks.LeaseTime, out var lease) || lease < TimeSpan.FromSeconds(5) || lease > TimeSpan.FromHours(1))
                Fail(["locks", "lease_time"], "locks.lease_time", $"'{config.Locks.LeaseTime}' is not a duration from 5s to 1h such as 90s");
            if (config.Metrics.Port is < 0 or > 65535)
                Fail(["metrics", "port"], "metrics.port", $"{config.Metrics.Port} is not a TCP port (0-65535; 0 disables metrics)");

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
            if (postgres.MaxPoolSize is < 1 or > 1000)
                Fail([.. path, "max_pool_size"], key + ".max_pool_size", $"{postgres.MaxPoolSize} is not between 1 and 1000");
            if (!TryParseDuration(postgres.StatementTimeout, out var timeout) || timeout <= TimeSpan.Zero)
                Fail([.. path, "statement_timeout"], key + ".statement_timeout", $"'{postgres.StatementTimeout}' is not a duration such as 30s");
            if (!TryParseDuration(postgres.ReleaseGrace, out var grace) || grace < TimeSpan.Zero)
                Fail([.. path, "release_grace"], key + ".release_grace", $"'{postgres.ReleaseGrace}' is not a duration such as 2m");
            if (!TryParseDuration(postgres.LockLease, out var lease) || lease < TimeSpan.FromSeconds(1))
                Fail([.. path, "lock_lease"], key + ".lock_lease", $"'{postgres.LockLease}' is not a duration of at least 1s such as 30s");
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
                else if (string.IsNullOrWhiteSpace(store.S3.Endpoint))
                    Fail([.. path, "s3"], key + ".s3.endpoint", "an s3 store needs s3: { endpoint: http://HOST:PORT (or HOST:PORT), ... }");
                else if (!TryParseSize(store.S3.BlockSize, out long block) || block < 4 * 1024 || block > 64L << 20)
                    Fail([.. path, "s3", "block_size"], key + ".s3.block_size", $"'{store.S3.BlockSize}' is not a size between 4KiB and 64MiB (e.g. 4MiB)");
                else if (!TryParseSize(store.S3.MaxDirtyBytes, out long dirty) || dirty < block)
                    Fail([.. path, "s3", "max_dirty_bytes"], key + ".s3.max_dirty_bytes", $"'{store.S3.MaxDirtyBytes}' is not a size of at least one block (e.g. 128MiB)");
                else if (!TryParseDuration(store.S3.RequestTimeout, out var timeout) || timeout <= TimeSpan.Zero)
                    Fail([.. path, "s3", "request_timeout"], key + ".s3.request_timeout", $"'{store.S3.RequestTimeout}' is not a duration such as 30s");
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
            for (int i = 0; i < share.AllowedClients.Count; i++)
                if (!TryParseCidr(share.AllowedClients[i], out _))
                    Fail([.. path, "allowed_clients", i], $"{key}.allowed_clients[{i}]", $"'{share.AllowedClients[i]}' is not an address or CIDR block such as 10.0.0.0/8");
            foreach (var flavour in share.AllowedAuth)
                if (flavour is not ("sys" or "none"))
                    Fail([.. path, "allowed_auth"], key + ".allowed_auth", $"'{flavour}' is not an auth flavour; valid: sys, none");
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
            var (line, column) = locator.Find(path);
            throw new ConfigException(key, line, column, problem);
        }
    }
}

/// <summary>The store types a build can create (what a config file may name).</summary>
public sealed record StoreTypes(IReadOnlyList<string> Metadata, IReadOnlyList<string> Content);
