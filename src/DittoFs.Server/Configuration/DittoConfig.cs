namespace DittoFs.Server.Configuration;

using DittoFs.Server.Configuration.Model;

// The YAML configuration file, key for key (snake_case in the file). This is the configuration's one model: the
// initial values are the defaults, the attributes say what each key is and what it may be (Model/KeyAttributes.cs).
// The loader's checks, `dittofs config init`, docs/dittofs.schema.json and docs/configuration.md all come from here.

public sealed class DittoConfig
{
    [Key("The NFS server: ports, logging, connection limits.")]
    public ServerSection Server { get; set; } = new();
    [Key("The Prometheus endpoint.")]
    public MetricsSection Metrics { get; set; } = new();
    [Key("Byte-range locks and the state that survives restarts (NLM, NSM, NFSv4 clients).")]
    public LocksSection Locks { get; set; } = new();
    [Key("Named metadata stores (directories, attributes); shares refer to them by name.")]
    public StoreSection<MetadataStoreConfig> Metadata { get; set; } = new();
    [Key("Named content stores (file data); shares refer to them by name.")]
    public StoreSection<ContentStoreConfig> Content { get; set; } = new();
    [Key("The exported directories; at least one.", Required = true)]
    public List<ShareConfig> Shares { get; set; } = [];
}

public sealed class ServerSection
{
    [Key("The address NFS, MOUNT, NLM, NSM and our portmapper listen on: \"\" every IPv6 and IPv4 address (one dual-stack socket), " +
        "0.0.0.0 every IPv4 address, :: every IPv6 and IPv4 address, or one address of this host (127.0.0.1 keeps the server on this host).", Flag = "--listen"),
        ListenAddress]
    public string Address { get; set; } = "";
    [Key("Port of NFS, MOUNT, NLM and NSM over TCP, and of MOUNT, NLM and NSM over UDP.", Flag = "--port"), Range(0, 65535)]
    public int Port { get; set; } = 2049;
    [Key("Least severe log messages written.", Flag = "--log-level"), OneOf("DEBUG", "INFO", "WARN", "ERROR")]
    public string LogLevel { get; set; } = "INFO";
    /// <summary>"text" (one line per message) or "json" (one JSON object per line, for log shippers).</summary>
    [Key("text: one line per message; json: one object per line (Timestamp, EventId and EventName, LogLevel, Category, Message, State), for log shippers.", Flag = "--log-format"), OneOf("text", "json")]
    public string LogFormat { get; set; } = "text";
    /// <summary>
    /// 0 = unlimited. The default, 8192, bounds what connections that stall cost besides the record budget (up to about
    /// 75 KiB each: 600 MiB at the limit, so under 1 GiB with the default budget), far above what honest clients open.
    /// </summary>
    [Key("Connections beyond it are closed at once; 0 = unlimited (see README, \"Memory that clients can pin\").", Flag = "--max-connections"), Range(0, int.MaxValue)]
    public int MaxConnections { get; set; } = 8192;
    /// <summary>How long a graceful stop waits for in-flight calls before closing connections, e.g. "30s".</summary>
    [Key("Graceful stop (SIGTERM, SIGINT): wait this long for running calls, then close connections.", Flag = "--shutdown-timeout"), Duration]
    public string ShutdownTimeout { get; set; } = "30s";
    /// <summary>Idle connections are closed after this long, e.g. "5m".</summary>
    [Key("Close connections with nothing running and nothing received for this long."), Duration]
    public string IdleTimeout { get; set; } = "5m";
    /// <summary>
    /// One budget, across all connections, for bytes held in partly received call records (beyond 8 KiB each), e.g.
    /// "256MiB". A connection that needs more than is left stops reading until records complete.
    /// </summary>
    [Key("One budget, all connections together, for partly received calls (beyond 8 KiB each); at least two records of the largest size."), Size(Min = "4MiB")]
    public string MaxPendingRecordBytes { get; set; } = "256MiB";
    /// <summary>A connection whose partly received record gets no byte for this long is closed, e.g. "30s"; "0s": never.</summary>
    [Key("Close a connection whose partly received call gets no byte for this long; 0s = never."), Duration]
    public string RecordTimeout { get; set; } = "30s";
    /// <summary>MOUNT DUMP answers only clients on the loopback address.</summary>
    [Key("MOUNT DUMP lists mounts to loopback callers only.", Flag = "--dump-restricted")]
    public bool DumpRestricted { get; set; }
    /// <summary>
    /// Portmapper (RFC 1833) on TCP port 111, so clients find NFS and MOUNT without port options: "true" requires it,
    /// "auto" tries and carries on without it, "false" leaves port 111 alone. See <see cref="PortmapMode"/>.
    /// </summary>
    [Key("Portmapper on port 111: true requires it (rpcbind, or our own), auto tries and carries on without it, false leaves port 111 alone.", Flag = "--portmap"), OneOf("true", "false", "auto")]
    public string Portmap { get; set; } = "auto";
    /// <summary>
    /// "true" (default): MOUNT and the portmapper also answer ONC RPC over UDP on <see cref="Port"/> (NFS stays TCP-only);
    /// "false": TCP only. See <see cref="UdpSwitch"/>.
    /// </summary>
    [Key("MOUNT, NLM, NSM and the portmapper also over UDP (NFS is TCP-only).", Flag = "--udp"), OneOf("true", "false")]
    public string Udp { get; set; } = "true";
    /// <summary>
    /// Serve NFSv4.0 and 4.1 on <see cref="Port"/> beside v3 (default). Its clients are recorded in
    /// <see cref="LocksSection.StateDir"/> so that they reclaim their opens and locks after a restart.
    /// </summary>
    [Key("Serve NFSv4.0 and 4.1 on server.port beside v3 (see README, \"NFSv4\").")]
    public bool Nfs4 { get; set; } = true;
    /// <summary>
    /// Port of the status monitor (NSM, program 100024 v1), over TCP and (with <see cref="Udp"/>) UDP. 0: <see cref="Port"/>;
    /// another: that port instead (not served on <see cref="Port"/> then; it may be <see cref="NlmPort"/> too).
    /// </summary>
    [Key("The status monitor's port: 0 = server.port; another: served there instead (may equal nlm_port: one listener for both)."), Range(0, 65535)]
    public int NsmPort { get; set; }
    /// <summary>
    /// Port of the network lock manager (NLM, program 100021 v1/v3/v4), over TCP and (with <see cref="Udp"/>) UDP.
    /// 0: <see cref="Port"/>; another: that port instead (not served on <see cref="Port"/> then; it may be <see cref="NsmPort"/> too).
    /// </summary>
    [Key("The lock manager's port: 0 = server.port; another: served there and not on server.port (listed there by the portmapper)."), Range(0, 65535)]
    public int NlmPort { get; set; }
}

/// <summary>Byte-range locks of NFSv3 clients: the lock manager (NLM) and the status monitor (NSM).</summary>
public sealed class LocksSection
{
    /// <summary>
    /// How long after a start only reclaims of locks (and NFSv4 opens) held before it are granted, e.g. "45s"; "0s": none
    /// (clients whose locks were lost get them only if nobody took them first). There is none when no client held state
    /// before the start; when NFSv4 clients may reclaim it lasts at least <see cref="LeaseTime"/>, and it ends early once
    /// every one of them (all 4.1) said RECLAIM_COMPLETE and no NLM client may reclaim.
    /// </summary>
    [Key("After a start, only reclaims of earlier locks and opens are granted for this long (at least lease_time when NFSv4 clients may reclaim; none when no one may); 0s = none. Also how long a dead server's NLM locks wait for reclaims on the server that took them over (several servers on one PostgreSQL database)."), Duration]
    public string GracePeriod { get; set; } = "45s";
    /// <summary>
    /// NFSv4 clients' lease, e.g. "90s" (5 s to 1 h): a client that neither renews nor calls for this long loses its opens
    /// and locks to others.
    /// </summary>
    [Key("NFSv4 clients' lease: a client silent this long loses its opens and locks to others."), Duration(Min = "5s", Max = "1h")]
    public string LeaseTime { get; set; } = "90s";
    /// <summary>
    /// Directory of the lock state that survives a restart: the status monitor's state number and monitor list and the
    /// NFSv4 client records; empty keeps them in memory only (logged at start). The embedded default configuration uses
    /// &lt;data-dir&gt;/nsm.
    /// </summary>
    [Key("Directory of the NSM state number and monitor list and the NFSv4 client records; \"\" = in memory only. The embedded default configuration uses <data-dir>/nsm.")]
    public string StateDir { get; set; } = "";
    /// <summary>This server's name in the reboot notices it sends; empty: the machine's host name.</summary>
    [Key("Our name in the reboot notices we send; \"\" = the machine's host name (at most 1024 bytes). Several servers on one PostgreSQL database: the name clients mount, the same on every server (a survivor notifies a dead server's clients in it).")]
    public string HostName { get; set; } = "";
    /// <summary>Hosts the status monitor watches at once; SM_MON past it is answered STAT_FAIL.</summary>
    [Key("Client hosts the status monitor watches at once; SM_MON past it gets STAT_FAIL."), Range(1, 65536)]
    public int MaxMonitoredHosts { get; set; } = 1024;
    /// <summary>
    /// Port of the portmapper asked on a client host for its lock manager (GRANTED callbacks) and its status monitor
    /// (reboot notices): 111 everywhere but in tests, which cannot own port 111 on a shared machine.
    /// </summary>
    [Key("Port of the clients' portmappers, asked for their NLM (GRANTED callbacks) and NSM (reboot notices); 111 but in tests."), Range(1, 65535)]
    public int PeerPortmapPort { get; set; } = 111;
}

/// <summary>server.udp and --udp: "true" or "false" (kept as text so a bad value is reported with its key, not as a YAML type error).</summary>
public static class UdpSwitch
{
    public static readonly string[] Names = ["true", "false"];

    public static bool TryParse(string text, out bool enabled)
    {
        (bool known, enabled) = text.Trim().ToLowerInvariant() switch
        {
            "true" => (true, true),
            "false" => (true, false),
            _ => (false, false),
        };
        return known;
    }

    public static bool Parse(string text) =>
        TryParse(text, out bool enabled) ? enabled : throw new ConfigException("server.udp", 0, 0, $"'{text}' is not one of {string.Join(", ", Names)}");
}

public sealed class MetricsSection
{
    [Key("Serve the Prometheus endpoint.")]
    public bool Enabled { get; set; } = true;
    [Key("The address of the Prometheus endpoint: \"\" every IPv6 and IPv4 address (one dual-stack socket), 0.0.0.0 every IPv4 address, " +
        ":: every IPv6 and IPv4 address, or one address of this host (127.0.0.1 or ::1 keeps it on this host)."), ListenAddress]
    public string Address { get; set; } = "";
    /// <summary>Prometheus endpoint port; 0 disables metrics.</summary>
    [Key("Port of http://HOST:PORT/metrics (Prometheus text format); 0 turns metrics off.", Flag = "--metrics-port"), Range(0, 65535)]
    public int Port { get; set; } = 9090;
}

public sealed class StoreSection<T>
{
    [Key("Stores by name (any name); shares refer to them.")]
    public Dictionary<string, T> Stores { get; set; } = [];
}

public sealed class MetadataStoreConfig
{
    [Key("The kind of store; its settings go under the key of that name.", Required = true), StoreType(StoreKind.Metadata)]
    public string Type { get; set; } = "";
    [Key("Settings of a rocksdb store (a local database, one server).")]
    public RocksDbConfig? Rocksdb { get; set; }
    [Key("Settings of a postgres store (several servers may share its database; see README, \"PostgreSQL metadata store\").")]
    public PostgresConfig? Postgres { get; set; }
}

/// <summary>A PostgreSQL metadata store (several servers may share its database).</summary>
public sealed class PostgresConfig
{
    /// <summary>An Npgsql connection string: Host, Port, Database, Username, ... (a password is better given below).</summary>
    [Key("An Npgsql connection string, \"Host=HOST;Port=5432;Database=NAME;Username=USER\" (a password is better given below).", Required = true)]
    public string ConnectionString { get; set; } = "";
    /// <summary>The password is this environment variable's value.</summary>
    [Key("The password is this environment variable's value (never logged).")]
    public string? PasswordEnv { get; set; }
    /// <summary>The password is this file's content (trailing newline dropped).</summary>
    [Key("The password is this file's content, trailing newline dropped (give password_env or password_file, not both).")]
    public string? PasswordFile { get; set; }
    /// <summary>Most connections the store opens (1-1000); each running change holds one.</summary>
    [Key("Most connections the store opens; each running change holds one."), Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 20;
    /// <summary>A statement (row-lock waits included) running longer is cancelled and the call answers NFS3ERR_JUKEBOX.</summary>
    [Key("A statement (row-lock waits included) running longer is cancelled and the call answers NFS3ERR_JUKEBOX."), Duration(Positive = true)]
    public string StatementTimeout { get; set; } = "30s";
    /// <summary>
    /// Released content (a file's last name removed) is deleted no sooner than this after the release, by one of the
    /// servers sharing the database: a READ another server began just before the removal finishes first. Above the
    /// content store's request_timeout (a READ's content phase is bounded by it).
    /// </summary>
    [Key("Removed files' content is deleted (by one of the servers) no sooner than this after the removal; above the content store's request_timeout."), Duration]
    public string ReleaseGrace { get; set; } = "2m";
    /// <summary>
    /// Locks and share reservations taken through a server that stopped renewing (killed, cut off from the
    /// database) stop counting on the other servers this long after its last renewal (every third of it).
    /// </summary>
    [Key("Locks and share reservations taken through a server that stopped renewing (killed, cut off from the database) stop counting on the other servers this long after its last renewal (every third of it)."),
        Duration(Min = "1s")]
    public string LockLease { get; set; } = "30s";
}

public sealed class RocksDbConfig
{
    [Key("Directory of the database (created if missing, logged at start when it is).", Required = true)]
    public string DbPath { get; set; } = "";
    /// <summary>RocksDB's block cache (data blocks); see src/DittoFs.Storage.RocksDb/README.md, "Point reads and memory".</summary>
    [Key("Memory for the database's data blocks read from disk; with the memtables (up to 2 x 64MiB) and the tables' index and filter blocks (a few bytes per object) it bounds the database's memory. The default holds the records of about 1.8M files (some 140 bytes each); more keeps lookups of a larger store in memory."),
        Size(Min = "1MiB")]
    public string BlockCacheSize { get; set; } = "256MiB";
}

public sealed class ContentStoreConfig
{
    [Key("The kind of store; its settings go under the key of that name.", Required = true), StoreType(StoreKind.Content)]
    public string Type { get; set; } = "";
    [Key("Settings of a filesystem store (files in a local directory).")]
    public FileSystemContentConfig? Filesystem { get; set; }
    [Key("Settings of an s3 store (objects in an S3 bucket; see src/DittoFs.Storage.S3/README.md).")]
    public S3ContentConfig? S3 { get; set; }
}

public sealed class FileSystemContentConfig
{
    [Key("Directory of the content (created if missing, logged at start when it is).", Required = true)]
    public string Path { get; set; } = "";
}

public sealed class S3ContentConfig
{
    [Key("host:port, or http(s)://host:port (the scheme sets use_tls).", Required = true)]
    public string Endpoint { get; set; } = "";
    [Key("The bucket's region.")]
    public string Region { get; set; } = "us-east-1";
    [Key("The bucket (3-63 of a-z, 0-9, '.' and '-').", Required = true)]
    public string Bucket { get; set; } = "";
    [Key("Prefix of every object name, so stores can share a bucket.")]
    public string KeyPrefix { get; set; } = "";
    [Key("Access key; default: the environment's AWS_ACCESS_KEY_ID.")]
    public string? AccessKey { get; set; }
    [Key("Secret key; default: the environment's AWS_SECRET_ACCESS_KEY.")]
    public string? SecretKey { get; set; }
    [Key("Use HTTPS for an endpoint written as host:port.")]
    public bool UseTls { get; set; }
    /// <summary>Content is stored as objects of this size (4KiB-64MiB).</summary>
    [Key("Content is stored as one object per block of this size."), Size(Min = "4KiB", Max = "64MiB")]
    public string BlockSize { get; set; } = "4MiB";
    /// <summary>Written data held in memory before upload, across all files.</summary>
    [Key("Written data held in memory before upload, all files together (at least one block)."), Size]
    public string MaxDirtyBytes { get; set; } = "128MiB";
    /// <summary>Every S3 request fails (NFS3ERR_JUKEBOX) after this long.</summary>
    [Key("An S3 request still running after this fails, and the call answers NFS3ERR_JUKEBOX."), Duration(Positive = true)]
    public string RequestTimeout { get; set; } = "30s";
    [Key("Copies of block objects kept in memory after a read or an upload and served again without fetching them (least recently used dropped first); 0 = none, else at least one block."), Size(ZeroMeansNone = true)]
    public string CacheMemoryBytes { get; set; } = "256MiB";
    [Key("A local directory keeping copies of block objects across restarts (created if missing; one store at a time); \"\" = no disk cache.")]
    public string CacheDirectory { get; set; } = "";
    [Key("Block files in cache_directory, at most (least recently used deleted first); at least one block."), Size]
    public string CacheDiskBytes { get; set; } = "10GiB";
    [Key("Blocks fetched into the cache ahead of a reader going through a file front to back (8 such requests at most at once); 0 = none. Needs a cache."), Range(0, 64)]
    public int ReadAheadBlocks { get; set; } = 4;
}

public sealed class ShareConfig
{
    [Key("The export path clients mount, e.g. /export.", Required = true)]
    public string Name { get; set; } = "";
    [Key("Name of a store under metadata.stores.", Required = true)]
    public string MetadataStore { get; set; } = "";
    [Key("Name of a store under content.stores.", Required = true)]
    public string ContentStore { get; set; } = "";
    [Key("Refuse every change.")]
    public bool ReadOnly { get; set; }
    [Key("Root (uid 0) on a client acts as anonymous_uid/anonymous_gid.")]
    public bool RootSquash { get; set; }
    [Key("Every client user acts as anonymous_uid/anonymous_gid (set root_squash or all_squash, not both).")]
    public bool AllSquash { get; set; }
    [Key("The uid that squashed users act as."), Range(0, uint.MaxValue)]
    public uint AnonymousUid { get; set; } = 65534;
    [Key("The gid that squashed users act as."), Range(0, uint.MaxValue)]
    public uint AnonymousGid { get; set; } = 65534;
    /// <summary>CIDR blocks allowed to mount and use the share; empty allows every client.</summary>
    [Key("Addresses or CIDR blocks that may mount and use the share; empty = every client."), Cidr]
    public List<string> AllowedClients { get; set; } = [];
    /// <summary>Accepted RPC credential flavours: "sys", "none".</summary>
    [Key("Accepted RPC credential flavours."), OneOf("sys", "none")]
    public List<string> AllowedAuth { get; set; } = ["sys", "none"];
    /// <summary>Require a privileged client source port (below 1024).</summary>
    [Key("Clients must send from a port below 1024.")]
    public bool RequireSecurePort { get; set; }
}
