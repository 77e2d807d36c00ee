namespace DittoFs.Rpc;

/// <summary>How an <see cref="RpcClient"/> (TCP) or <see cref="RpcUdpClient"/> connects and calls.</summary>
public sealed class RpcClientOptions
{
    /// <summary>4 MiB: a 1 MiB READ or READDIR reply with ample room, even from servers that pad generously.</summary>
    public const int DefaultMaxRecordSize = 4 * 1024 * 1024;

    /// <summary>Sent with every call; AUTH_NONE by default.</summary>
    public RpcCredential Credential { get; set; } = RpcCredential.None;

    /// <summary>How long a call waits for its reply before it throws <see cref="TimeoutException"/>; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Over UDP (<see cref="RpcUdpClient"/>): how long a call waits for its reply before it is sent again (same xid),
    /// doubling after each retransmission. Unused over TCP, which does not lose messages.
    /// </summary>
    public TimeSpan RetransmitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long connecting may take before it throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bind a source port below 1024 (needs root or CAP_NET_BIND_SERVICE). Servers that export with
    /// "secure" (the Linux default) and macOS's resvport expect it.
    /// </summary>
    public bool UsePrivilegedPort { get; set; }

    /// <summary>The largest reply record accepted; a larger one breaks the connection.</summary>
    public int MaxRecordSize { get; set; } = DefaultMaxRecordSize;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Credential);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRecordSize, 1 << 30);
        if (CallTimeout <= TimeSpan.Zero && CallTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(CallTimeout), CallTimeout, "Must be positive or infinite.");
        if (RetransmitInterval <= TimeSpan.Zero || RetransmitInterval > TimeSpan.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(RetransmitInterval), RetransmitInterval, "Must be positive and at most an hour.");
        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "Must be positive or infinite.");
    }
}
