namespace DittoFs.Nfs;

/// <summary>Server-wide settings of the MOUNT and NFS services (per-share settings are <see cref="ExportOptions"/>).</summary>
public sealed class NfsServerOptions
{
    private const int OneMebibyte = 1024 * 1024;

    /// <summary>
    /// MOUNT DUMP (the list of who mounted what) answers only callers on loopback; others get an empty list.
    /// The list tells which hosts use the server, which an administrator may not want to show the network.
    /// </summary>
    public bool DumpRestrictedToLocalhost { get; init; }

    /// <summary>
    /// FSINFO rtmax and wtmax: the largest READ and WRITE served, and the cap on READDIR / READDIRPLUS replies.
    /// The RPC layer's record limit must hold this plus headers.
    /// </summary>
    public int MaxTransferSize { get; init; } = OneMebibyte;

    /// <summary>
    /// FSINFO rtpref and wtpref: the size clients use for their reads and writes (Linux takes rtpref as its rsize).
    /// 1 MiB, as Linux knfsd: sequential I/O needs fewer round trips, and the buffers come from pools.
    /// </summary>
    public int PreferredTransferSize { get; init; } = OneMebibyte;

    /// <summary>FSINFO dtpref: the READDIR size clients should ask for.</summary>
    public int PreferredDirectoryReadSize { get; init; } = 64 * 1024;

    /// <summary>
    /// NFSv4 lease time (RFC 7530 §9.5, the lease_time attribute): how long a client's state lives without it renewing.
    /// 90 seconds, as Linux knfsd.
    /// </summary>
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Most operations in one NFSv4 COMPOUND; more answer NFS4ERR_RESOURCE (4.0) or NFS4ERR_TOO_MANY_OPS (4.1).</summary>
    public int MaxCompoundOperations { get; init; } = 64;

    internal void Validate()
    {
        if (LeaseTime < TimeSpan.FromSeconds(5) || LeaseTime > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"The NFSv4 lease time ({LeaseTime}) must be between 5 seconds and an hour.");
        }
        if (MaxCompoundOperations < 2)
        {
            throw new ArgumentException($"A COMPOUND must allow at least 2 operations ({MaxCompoundOperations}).");
        }
        if (MaxTransferSize < 4096 || PreferredTransferSize < 4096 || PreferredTransferSize > MaxTransferSize)
        {
            throw new ArgumentException($"Transfer sizes need 4096 <= preferred ({PreferredTransferSize}) <= max ({MaxTransferSize}).");
        }
        if (PreferredDirectoryReadSize < 1024)
        {
            throw new ArgumentException($"The preferred directory read size ({PreferredDirectoryReadSize}) must be at least 1024.");
        }
    }
}
