namespace DittoFs.Server.Configuration;

/// <summary>Command-line flags; each one given replaces its configuration key.</summary>
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
    /// <summary>Applies the flags and validates the result like a file (flag names in the messages).</summary>
    public static void Apply(DittoConfig config, CommandLineOverrides flags)
    {
        if (flags.Port is int port)
        {
            if (port is < 0 or > 65535)
                throw new ConfigException("--port", 0, 0, $"{port} is not a TCP port (0-65535)");
            config.Server.Port = port;
        }
        if (flags.LogLevel is string level)
        {
            if (!ConfigLoader.LogLevels.Contains(level.ToUpperInvariant()))
                throw new ConfigException("--log-level", 0, 0, $"'{level}' is not one of {string.Join(", ", ConfigLoader.LogLevels)}");
            config.Server.LogLevel = level.ToUpperInvariant();
        }
        if (flags.MaxConnections is int max)
        {
            if (max < 0)
                throw new ConfigException("--max-connections", 0, 0, "must be 0 (unlimited) or more");
            config.Server.MaxConnections = max;
        }
        if (flags.DumpRestricted is bool restricted)
            config.Server.DumpRestricted = restricted;
        if (flags.ShutdownTimeout is string timeout)
        {
            if (!ConfigLoader.TryParseDuration(timeout, out _))
                throw new ConfigException("--shutdown-timeout", 0, 0, $"'{timeout}' is not a duration such as 30s");
            config.Server.ShutdownTimeout = timeout;
        }
        if (flags.ContentPath is string path)
            MoveContent(config, path);
        if (flags.MetricsPort is int metricsPort)
        {
            if (metricsPort is < 0 or > 65535)
                throw new ConfigException("--metrics-port", 0, 0, $"{metricsPort} is not a TCP port (0-65535; 0 disables metrics)");
            // An explicit port turns metrics on even if the file turned them off; 0 turns them off.
            config.Metrics.Port = metricsPort;
            config.Metrics.Enabled = metricsPort != 0;
        }
        if (flags.LogFormat is string format)
        {
            if (!ConfigLoader.LogFormats.Contains(format.ToLowerInvariant()))
                throw new ConfigException("--log-format", 0, 0, $"'{format}' is not one of {string.Join(", ", ConfigLoader.LogFormats)}");
            config.Server.LogFormat = format.ToLowerInvariant();
        }
        if (flags.Portmap is string portmap)
        {
            if (!PortmapModes.TryParse(portmap, out _))
                throw new ConfigException("--portmap", 0, 0, $"'{portmap}' is not one of {string.Join(", ", PortmapModes.Names)}");
            config.Server.Portmap = portmap.Trim().ToLowerInvariant();
        }
        if (flags.Listen is string listen)
        {
            if (!ListenAddress.TryParse(listen, out _))
                throw new ConfigException("--listen", 0, 0, $"'{listen}' is not {ListenAddress.Expected}");
            config.Server.Address = listen.Trim();
        }
        if (flags.Udp is string udp)
        {
            if (!UdpSwitch.TryParse(udp, out _))
                throw new ConfigException("--udp", 0, 0, $"'{udp}' is not one of {string.Join(", ", UdpSwitch.Names)}");
            config.Server.Udp = udp.Trim().ToLowerInvariant();
        }
    }

    /// <summary>The flag that replaces configuration key <paramref name="key"/>, or null when no flag does.</summary>
    public static string? FlagOf(string key) => key switch
    {
        "server.port" => "--port",
        "server.address" => "--listen",
        "server.log_level" => "--log-level",
        "server.log_format" => "--log-format",
        "server.max_connections" => "--max-connections",
        "server.shutdown_timeout" => "--shutdown-timeout",
        "server.dump_restricted" => "--dump-restricted",
        "server.portmap" => "--portmap",
        "server.udp" => "--udp",
        "metrics.port" or "metrics.enabled" => "--metrics-port",
        _ => null,
    };

    /// <summary>--content-path puts every share's content on the local file system under the given directory.</summary>
    private static void MoveContent(DittoConfig config, string path)
    {
        if (!StoreRegistry.AvailableTypes.Content.Contains("filesystem"))
            throw new ConfigException("--content-path", 0, 0, "the file-system content store is not part of this build yet; only: " + string.Join(", ", StoreRegistry.AvailableTypes.Content));
        config.Content.Stores.Clear();
        config.Content.Stores["content"] = new ContentStoreConfig { Type = "filesystem", Filesystem = new FileSystemContentConfig { Path = path } };
        foreach (var share in config.Shares)
            share.ContentStore = "content";
    }
}
