using DittoFs.Server.Configuration.Model;

namespace DittoFs.Server.Configuration;

/// <summary>
/// Command-line flags; each one given replaces its configuration key (the key's <see cref="KeyAttribute.Flag"/>) and
/// is checked by the key's rule like a value in the file, the flag named in the error.
/// </summary>
public sealed record CommandLineOverrides(
    int? Port = null,
    string? LogLevel = null,
    string? ContentPath = null,
    int? MaxConnections = null,
    bool? DumpRestricted = null,
    string? ShutdownTimeout = null,
    int? MetricsPort = null,
    string? LogFormat = null,
    string? Portmap = null,
    string? Udp = null,
    string? Listen = null)
{
    /// <summary>Each flag given as (flag, value), in the order they apply.</summary>
    private IEnumerable<(string Flag, string Value)> Given()
    {
        if (Port is int port)
            yield return ("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (LogLevel is not null)
            yield return ("--log-level", LogLevel);
        if (LogFormat is not null)
            yield return ("--log-format", LogFormat);
        if (MaxConnections is int max)
            yield return ("--max-connections", max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (DumpRestricted is bool restricted)
            yield return ("--dump-restricted", restricted ? "true" : "false");
        if (ShutdownTimeout is not null)
            yield return ("--shutdown-timeout", ShutdownTimeout);
        if (MetricsPort is int metricsPort)
            yield return ("--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Portmap is not null)
            yield return ("--portmap", Portmap);
        if (Udp is not null)
            yield return ("--udp", Udp);
        if (Listen is not null)
            yield return ("--listen", Listen);
    }

    /// <summary>Puts each flag's value at its key in <paramref name="document"/>.</summary>
    internal void Apply(ConfigDocument document)
    {
        foreach (var (flag, value) in Given())
        {
            document.Set(ConfigModel.PathOfFlag(flag).Split('.'), value, flag);
            // An explicit metrics port turns metrics on even if the file turned them off; 0 turns them off.
            if (flag == "--metrics-port")
                document.Set(["metrics", "enabled"], value == "0" ? "false" : "true", flag);
        }
    }

    /// <summary>--content-path puts every share's content on the local file system under the given directory.</summary>
    internal void MoveContent(DittoConfig config)
    {
        if (ContentPath is not string path)
            return;
        if (!StoreRegistry.AvailableTypes.Content.Contains("filesystem"))
            throw new ConfigException("--content-path", 0, 0, "the file-system content store is not part of this build yet; only: " + string.Join(", ", StoreRegistry.AvailableTypes.Content));
        config.Content.Stores.Clear();
        config.Content.Stores["content"] = new ContentStoreConfig { Type = "filesystem", Filesystem = new FileSystemContentConfig { Path = path } };
        foreach (var share in config.Shares)
            share.ContentStore = "content";
    }

    /// <summary>The flag that replaces configuration key <paramref name="key"/>, or null when no flag does.</summary>
    public static string? FlagOf(string key) => key == "metrics.enabled" ? "--metrics-port" : ConfigModel.FlagOf(key);
}
