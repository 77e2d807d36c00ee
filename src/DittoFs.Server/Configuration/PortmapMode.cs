namespace DittoFs.Server.Configuration;

/// <summary>What the server does about the portmapper (server.portmap, --portmap).</summary>
public enum PortmapMode
{
    /// <summary>"false": port 111 is left alone; clients need port=/mountport= options (or nfsport=/mountport= in libnfs URLs).</summary>
    Off,
    /// <summary>"auto" (default): as <see cref="On"/>, but when neither works (e.g. not root) a warning is logged and NFS is served anyway.</summary>
    Auto,
    /// <summary>
    /// "true": register NFS v3 and MOUNT v3 with the portmapper already listening on 127.0.0.1:111 (rpcbind), or,
    /// when nothing listens there, answer on port 111 ourselves; failing both is a start error.
    /// </summary>
    On,
}

public static class PortmapModes
{
    public static readonly string[] Names = ["true", "false", "auto"];

    public static bool TryParse(string text, out PortmapMode mode)
    {
        (bool known, mode) = text.Trim().ToLowerInvariant() switch
        {
            "true" => (true, PortmapMode.On),
            "false" => (true, PortmapMode.Off),
            "auto" => (true, PortmapMode.Auto),
            _ => (false, PortmapMode.Off),
        };
        return known;
    }

    public static PortmapMode Parse(string text) =>
        TryParse(text, out var mode) ? mode : throw new ConfigException("server.portmap", 0, 0, $"'{text}' is not one of {string.Join(", ", Names)}");
}
