using System.Net;

namespace DittoFs.Rpc;

/// <summary>
/// What a service learns about one call besides its arguments: who sent it (RFC 5531 appendix A AUTH_SYS
/// credentials, or AUTH_NONE), from where, and a token cancelled when the connection or server goes away.
/// One instance per call; the RPC layer reuses instances once a call has completed, so a service must not
/// keep the context (or <see cref="MachineName"/>, a slice of the request) beyond its call.
/// </summary>
public sealed class RpcCallContext
{
    public uint Xid { get; set; }
    public uint Program { get; set; }
    public uint Version { get; set; }
    public uint Procedure { get; set; }

    /// <summary>The remote end of the connection the call came on.</summary>
    public IPEndPoint? Client { get; set; }

    /// <summary>
    /// The local end the call came in on: for TCP the address the client connected to (IPv4-mapped addresses as
    /// IPv4); for UDP the socket's own, the wildcard address when the server listens on every address.
    /// </summary>
    public IPEndPoint? LocalEndPoint { get; set; }

    /// <summary>Whether the call came as a UDP datagram; else over a TCP connection.</summary>
    public bool OverUdp { get; set; }

    /// <summary>The credential flavour: 0 AUTH_NONE, 1 AUTH_SYS (others are rejected before dispatch).</summary>
    public uint AuthFlavor { get; set; }

    /// <summary>AUTH_SYS uid/gid; for AUTH_NONE both are 65534 (nobody), never root.</summary>
    public uint Uid { get; set; }
    public uint Gid { get; set; }

    /// <summary>AUTH_SYS supplementary groups (at most 16).</summary>
    public uint[] Gids { get; set; } = [];
    public int GidCount { get; set; }

    /// <summary>AUTH_SYS machine name, as bytes (not necessarily UTF-8); valid only while the call runs.</summary>
    public ReadOnlyMemory<byte> MachineName { get; set; }

    /// <summary>
    /// Cancelled when the connection closes or the server stops. A call that then throws
    /// <see cref="OperationCanceledException"/> gets no reply (the client retransmits elsewhere).
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    public ReadOnlySpan<uint> SupplementaryGroups => Gids.AsSpan(0, GidCount);

    /// <summary>
    /// Where a service that produces bulk data (READ) puts it so that it is written once: into a buffer the reply owns,
    /// or as memory a store lends, sent from where it lies (see <see cref="Rpc.ReplyData"/>). Null when a service is
    /// called directly, without an RPC server.
    /// </summary>
    public ReplyData? ReplyData { get; set; }

    /// <summary>
    /// One object a service keeps with this context from call to call, e.g. scratch memory its replies point into:
    /// the RPC layer reuses a context only after the previous call on it was answered, so such memory is free
    /// again when the next call on the context begins. The RPC layer never touches it.
    /// </summary>
    public object? ServiceState { get; set; }
}
