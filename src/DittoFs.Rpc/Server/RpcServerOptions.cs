using System.Net;

namespace DittoFs.Rpc;

/// <summary>Where an <see cref="RpcServer"/> listens and the limits it enforces per connection.</summary>
public sealed class RpcServerOptions
{
    /// <summary>2 MiB: a 1 MiB READ or WRITE plus headers, with room to spare.</summary>
    public const int DefaultMaxRecordSize = 2 * 1024 * 1024;

    /// <summary>256 MiB: 128 maximum-size records arriving at once, far more than honest clients have in flight.</summary>
    public const long DefaultMaxPendingRecordBytes = 256L * 1024 * 1024;

    /// <summary>The address to bind (default: every IPv4 address).</summary>
    public IPAddress Address { get; set; } = IPAddress.Any;

    /// <summary>The TCP (and UDP) port; 0 picks a free one (read it from <see cref="RpcServer.LocalEndPoint"/> after start).</summary>
    public int Port { get; set; }

    /// <summary>
    /// The largest call record accepted (RFC 5531 §11 record, all fragments together). A fragment header
    /// announcing more closes the connection at once.
    /// </summary>
    public int MaxRecordSize { get; set; } = DefaultMaxRecordSize;

    /// <summary>
    /// At most this many open connections; 0 means no limit. A connection beyond the limit is accepted and
    /// closed at once, so the client sees a clean close instead of a hanging connect.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// A connection with no call running and nothing received for this long is closed (clients reconnect
    /// transparently). <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// One budget, across all connections, for the bytes held in partly received call records: the record buffers that
    /// are still filling (a buffer of up to 8 KiB per connection is not counted, so small calls never wait for it). A
    /// connection whose record must grow beyond what the budget has left stops reading its socket until records complete
    /// or connections close; other connections keep being served. Bounds what clients that start large records and stall
    /// can pin: about this plus 75 KiB per connection (its state, the uncounted buffer and one socket read held back).
    /// </summary>
    public long MaxPendingRecordBytes { get; set; } = DefaultMaxPendingRecordBytes;

    /// <summary>
    /// A connection whose partly received record gets no byte for this long is closed, and what the record held is
    /// freed. Time spent waiting for <see cref="MaxPendingRecordBytes"/> counts too: connections that each hold part of
    /// the budget and wait for more cannot keep it forever. <see cref="TimeSpan.Zero"/> or
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it (then only <see cref="IdleTimeout"/> frees stalled records).
    /// </summary>
    public TimeSpan RecordTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Calls of one connection that may run at once (from receipt until the reply is sent). At the limit
    /// the connection stops reading its socket, so TCP flow control slows the client down and the memory
    /// a connection can pin stays bounded.
    /// </summary>
    public int MaxInFlightPerConnection { get; set; } = 64;

    /// <summary>
    /// Which calls go through the duplicate request cache: (program, version, procedure) of the non-idempotent
    /// procedures, whose retransmissions must get the first reply instead of running again. Null: no cache.
    /// </summary>
    public Func<uint, uint, uint, bool>? NonIdempotentProcedures { get; set; }

    /// <summary>Replies the duplicate request cache keeps; the oldest are forgotten first. TCP and UDP have a cache each.</summary>
    public int DuplicateRequestCacheSize { get; set; } = 4096;

    /// <summary>Bytes of replies the duplicate request cache keeps (each of TCP's and UDP's); the oldest are forgotten first.</summary>
    public long DuplicateRequestCacheMaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Also serve UDP, on the same address and port as TCP (one datagram is one call, RFC 5531 §11 record marking is
    /// TCP's only); null: TCP only.
    /// </summary>
    public RpcUdpOptions? Udp { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Address);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, IPEndPoint.MaxPort);
        // 24 bytes is the smallest call header; 1 GiB keeps size arithmetic far from overflow.
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 24);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRecordSize, 1 << 30);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConnections);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateRequestCacheSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateRequestCacheMaxBytes, 1);
        Udp?.Validate();
        if (IdleTimeout < TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "Must be positive, zero or infinite.");
        if (RecordTimeout < TimeSpan.Zero && RecordTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(RecordTimeout), RecordTimeout, "Must be positive, zero or infinite.");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingRecordBytes, 1);
    }

    internal RpcServerOptions Copy()
    {
        var copy = (RpcServerOptions)MemberwiseClone();
        copy.Udp = Udp?.Copy();
        return copy;
    }

    internal bool IdleTimeoutEnabled => IdleTimeout > TimeSpan.Zero;

    internal bool RecordTimeoutEnabled => RecordTimeout > TimeSpan.Zero;
}
