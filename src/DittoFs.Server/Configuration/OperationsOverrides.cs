namespace DittoFs.Server.Configuration;

/// <summary>
/// The flags of the operations features (metrics endpoint, log format, portmapper); like
/// <see cref="CommandLineOverrides"/>, each flag given replaces its configuration key and is validated with the
/// flag's name in the message.
/// </summary>
public sealed record OperationsOverrides(
    int? MetricsPort = null,
    string? LogFormat = null,
    string? Portmap = null)
{
    public static void Apply(DittoConfig config, OperationsOverrides flags)
    {
        if (flags.MetricsPort is int port)
        {
            if (port is < 0 or > 65535)
                throw new ConfigException("--metrics-port", 0, 0, $"{port} is not a TCP port (0-65535; 0 disables metrics)");
            // An explicit port turns metrics on even if the file turned them off; 0 turns them off.
            config.Metrics.Port = port;
            config.Metrics.Enabled = port != 0;
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
    }
}
