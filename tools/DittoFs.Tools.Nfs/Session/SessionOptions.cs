namespace DittoFs.Tools.Nfs.Session;

/// <summary>How <see cref="NfsSession"/> reaches the server: the global options of ditto-nfs.</summary>
internal sealed record SessionOptions
{
    /// <summary>Bind a source port below 1024 (servers exporting with "secure"; needs root).</summary>
    public bool PrivilegedPort { get; init; }

    /// <summary>Where the portmapper listens when the URL names no ports (RFC 1833; 111 everywhere but in tests).</summary>
    public int PortmapperPort { get; init; } = 111;

    /// <summary>How long one call waits for its reply.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long connecting (to the portmapper or the server) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The AUTH_SYS machine name.</summary>
    public string MachineName { get; init; } = Environment.MachineName;
}
