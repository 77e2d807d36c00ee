namespace DittoFs.Nfs.Nsm;

/// <summary>How the status monitor keeps its state and reaches its peers.</summary>
public sealed record NsmOptions
{
    /// <summary>
    /// Where the state number and the monitor list are kept durably; null keeps them in memory only (a memory-only
    /// configuration: after a restart nobody is told, and clients' locks are not reclaimed).
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// The state number starts above this: the last one another server sent in this server's name after taking over
    /// its locks (several servers on one database), so that the notice of this start is never one its clients saw.
    /// </summary>
    public int StateFloor { get; init; }

    /// <summary>This server's name in the SM_NOTIFY it sends (stat_chge.mon_name): what clients called it when they locked.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Hosts watched at once; SM_MON past it is answered STAT_FAIL and MonitorAsync throws.</summary>
    public int MaxMonitoredHosts { get; init; } = 1024;

    /// <summary>Port of the peers' portmappers, asked where their NSM (and SM_MON registrants' callback program) listens. 111 outside tests.</summary>
    public int PeerPortmapPort { get; init; } = 111;

    /// <summary>Tries per host when telling it this server restarted; then it is given up (logged).</summary>
    public int NotifyAttempts { get; init; } = 5;

    /// <summary>Wait before the second try; it doubles after each further failed try.</summary>
    public TimeSpan NotifyRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Each RPC to a peer (portmapper GETPORT, SM_NOTIFY, a callback) gives up after this long.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
