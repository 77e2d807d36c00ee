namespace DittoFs.Rpc;

/// <summary>How an <see cref="RpcServer"/> serves ONC RPC over UDP (<see cref="RpcServerOptions.Udp"/>).</summary>
public sealed class RpcUdpOptions
{
    /// <summary>
    /// 8800 bytes: UDPMSGSIZE, the receive buffer the Sun RPC and libtirpc UDP clients (clntudp_create, clnt_dg_create,
    /// rpcinfo, showmount, the NLM/NSM daemons) use unless told otherwise. A longer reply would reach them cut short and
    /// fail to decode, so by default the server answers SYSTEM_ERR instead. MOUNT, portmapper and lock manager replies are
    /// a few hundred bytes; only a huge export list or mount list comes near it.
    /// </summary>
    public const int DefaultMaxReplySize = 8800;

    /// <summary>The largest UDP payload over IPv4 (65,535 minus the IP and UDP headers).</summary>
    public const int MaxDatagramPayload = 65_507;

    /// <summary>
    /// Which programs answer on UDP (by program number); null: all of them. A call to any other program over UDP is
    /// answered PROG_UNAVAIL, as from a server that does not have the program, and the portmapper lists it for TCP only.
    /// </summary>
    public Func<uint, bool>? ServesProgram { get; set; }

    /// <summary>
    /// The largest reply message sent in one datagram (without IP/UDP headers), at most <see cref="MaxDatagramPayload"/>.
    /// A larger reply is never sent truncated: the server logs a warning and answers SYSTEM_ERR.
    /// </summary>
    public int MaxReplySize { get; set; } = DefaultMaxReplySize;

    /// <summary>
    /// Calls received over UDP that may run at once (each holds one receive buffer of 64 KiB until it is answered). At the
    /// limit the server stops reading the socket: further datagrams wait in the kernel's socket buffer, or are dropped
    /// by the kernel when it is full, and the clients retransmit. Nothing queues without bound.
    /// </summary>
    public int MaxInFlight { get; set; } = 64;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReplySize, 28); // the shortest accepted reply: xid, type, stat, verifier, accept_stat
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReplySize, MaxDatagramPayload);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1);
    }

    internal RpcUdpOptions Copy() => (RpcUdpOptions)MemberwiseClone();
}
