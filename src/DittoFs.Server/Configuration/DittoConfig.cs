namespace DittoFs.Server.Configuration;

// The YAML configuration file, key for key (snake_case in the file). Defaults here are the documented
// defaults; README.md lists every key.

public sealed class DittoConfig
{
    public ServerSection Server { get; set; } = new();
    public MetricsSection Metrics { get; set; } = new();
    public LocksSection Locks { get; set; } = new();
    public StoreSection<MetadataStoreConfig> Metadata { get; set; } = new();
    public StoreSection<ContentStoreConfig> Content { get; set; } = new();
    public List<ShareConfig> Shares { get; set; } = [];
}

public sealed class ServerSection
{
    public int Port { get; set; } = 2049;
    public string LogLevel { get; set; } = "INFO";
    /// <summary>"text" (one line per message) or "json" (one JSON object per line, for log shippers).</summary>
    public string LogFormat { get; set; } = "text";
    /// <summary>
    /// 0 = unlimited. The default, 8192, bounds what connections that stall cost besides the record budget (up to about
    /// 75 KiB each: 600 MiB at the limit, so under 1 GiB with the default budget), far above what honest clients open.
    /// </summary>
    public int MaxConnections { get; set; } = 8192;
    /// <summary>How long a graceful stop waits for in-flight calls before closing connections, e.g. "30s".</summary>
    public string ShutdownTimeout { get; set; } = "30s";
    /// <summary>Idle connections are closed after this long, e.g. "5m".</summary>
    public string IdleTimeout { get; set; } = "5m";
    /// <summary>
    /// One budget, across all connections, for bytes held in partly received call records (beyond 8 KiB each), e.g.
    /// "256MiB". A connection that needs more than is left stops reading until records complete.
    /// </summary>
    public string MaxPendingRecordBytes { get; set; } = "256MiB";
    /// <summary>A connection whose partly received record gets no byte for this long is closed, e.g. "30s"; "0s": never.</summary>
    public string RecordTimeout { get; set; } = "30s";
    /// <summary>MOUNT DUMP answers only clients on the loopback address.</summary>
    public bool DumpRestricted { get; set; }
    /// <summary>
    /// Portmapper (RFC 1833) on TCP port 111, so clients find NFS and MOUNT without port options: "true" requires it,
    /// "auto" tries and carries on without it, "false" leaves port 111 alone. See <see cref="PortmapMode"/>.
    /// </summary>
    public string Portmap { get; set; } = "auto";
    /// <summary>
    /// "true" (default): MOUNT and the portmapper also answer ONC RPC over UDP on <see cref="Port"/> (NFS stays TCP-only);
    /// "false": TCP only. See <see cref="UdpSwitch"/>.
    /// </summary>
    public string Udp { get; set; } = "true";
    /// <summary>
    /// Serve NFSv4.0 and 4.1 on <see cref="Port"/> beside v3 (default). Its clients are recorded in
    /// <see cref="LocksSection.StateDir"/> so that they reclaim their opens and locks after a restart.
    /// </summary>
    public bool Nfs4 { get; set; } = true;
    /// <summary>
    /// Port of the status monitor (NSM, program 100024 v1), over TCP and (with <see cref="Udp"/>) UDP. 0: <see cref="Port"/>;
    /// another: that port instead (not served on <see cref="Port"/> then; it may be <see cref="NlmPort"/> too).
    /// </summary>
    public int NsmPort { get; set; }
    /// <summary>
    /// Port of the network lock manager (NLM, program 100021 v1/v3/v4), over TCP and (with <see cref="Udp"/>) UDP.
    /// 0: <see cref="Port"/>; another: that port instead (not served on <see cref="Port"/> then; it may be <see cref="NsmPort"/> too).
    /// </summary>
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
    public string GracePeriod { get; set; } = "45s";
    /// <summary>
    /// NFSv4 clients' lease, e.g. "90s" (5 s to 1 h): a client that neither renews nor calls for this long loses its opens
    /// and locks to others.
    /// </summary>
    public string LeaseTime { get; set; } = "90s";
    /// <summary>
    /// Directory of the lock state that survives a restart: the status monitor's state number and monitor list and the
    /// NFSv4 client records; empty keeps them in memory only (logged at start). The embedded default configuration uses
    /// &lt;data-dir&gt;/nsm.
    /// </summary>
    public string StateDir { get; set; } = "";
    /// <summary>This server's name in the reboot notices it sends; empty: the machine's host name.</summary>
    public string HostName { get; set; } = "";
    /// <summary>Hosts the status monitor watches at once; SM_MON past it is answered STAT_FAIL.</summary>
    public int MaxMonitoredHosts { get; set; } = 1024;
    /// <summary>
    /// Port of the portmapper asked on a client host for its lock manager (GRANTED callbacks) and its status monitor
    /// (reboot notices): 111 everywhere but in tests, which cannot own port 111 on a shared machine.
    /// </summary>
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
    public bool Enabled { get; set; } = true;
    /// <summary>Prometheus endpoint port; 0 disables metrics.</summary>
    public int Port { get; set; } = 9090;
}

public sealed class StoreSection<T>
{
    public Dictionary<string, T> Stores { get; set; } = [];
}

public sealed class MetadataStoreConfig
{
    public string Type { get; set; } = "";
    public RocksDbConfig? Rocksdb { get; set; }
    public PostgresConfig? Postgres { get; set; }
}

/// <summary>A PostgreSQL metadata store (several servers may share its database).</summary>
public sealed class PostgresConfig
{
    /// <summary>An Npgsql connection string: Host, Port, Database, Username, ... (a password is better given below).</summary>
    public string ConnectionString { get; set; } = "";
    /// <summary>The password is this environment variable's value.</summary>
    public string? PasswordEnv { get; set; }
    /// <summary>The password is this file's content (trailing newline dropped).</summary>
    public string? PasswordFile { get; set; }
    /// <summary>Most connections the store opens (1-1000); each running change holds one.</summary>
    public int MaxPoolSize { get; set; } = 20;
    /// <summary>A statement (row-lock waits included) running longer is cancelled and the call answers NFS3ERR_JUKEBOX.</summary>
    public string StatementTimeout { get; set; } = "30s";
    /// <summary>
    /// Released content (a file's last name removed) is deleted no sooner than this after the release, by one of the
    /// servers sharing the database: a READ another server began just before the removal finishes first. Above the
    /// content store's request_timeout (a READ's content phase is bounded by it).
    /// </summary>
    public string ReleaseGrace { get; set; } = "2m";
    /// <summary>
    /// Locks and share reservations taken through a server that stopped renewing (killed, cut off from the
    /// database) stop counting on the other servers this long after its last renewal (every third of it).
    /// </summary>
    public string LockLease { get; set; } = "30s";
}

public sealed class RocksDbConfig
{
    public string DbPath { get; set; } = "";
}

public sealed class ContentStoreConfig
{
    public string Type { get; set; } = "";
    public FileSystemContentConfig? Filesystem { get; set; }
    public S3ContentConfig? S3 { get; set; }
}

public sealed class FileSystemContentConfig
{
    public string Path { get; set; } = "";
}

public sealed class S3ContentConfig
{
    public string Endpoint { get; set; } = "";
    public string Region { get; set; } = "us-east-1";
    public string Bucket { get; set; } = "";
    public string KeyPrefix { get; set; } = "";
    public string? AccessKey { get; set; }
    public string? SecretKey { get; set; }
    public bool UseTls { get; set; }
    /// <summary>Content is stored as objects of this size (4KiB-64MiB).</summary>
    public string BlockSize { get; set; } = "4MiB";
    /// <summary>Written data held in memory before upload, across all files.</summary>
    public string MaxDirtyBytes { get; set; } = "128MiB";
    /// <summary>Every S3 request fails (NFS3ERR_JUKEBOX) after this long.</summary>
    public string RequestTimeout { get; set; } = "30s";
}

public sealed class ShareConfig
{
    public string Name { get; set; } = "";
    public string MetadataStore { get; set; } = "";
    public string ContentStore { get; set; } = "";
    public bool ReadOnly { get; set; }
    public bool RootSquash { get; set; }
    public bool AllSquash { get; set; }
    public uint AnonymousUid { get; set; } = 65534;
    public uint AnonymousGid { get; set; } = 65534;
    /// <summary>CIDR blocks allowed to mount and use the share; empty allows every client.</summary>
    public List<string> AllowedClients { get; set; } = [];
    /// <summary>Accepted RPC credential flavours: "sys", "none".</summary>
    public List<string> AllowedAuth { get; set; } = ["sys", "none"];
    /// <summary>Require a privileged client source port (below 1024).</summary>
    public bool RequireSecurePort { get; set; }
}
