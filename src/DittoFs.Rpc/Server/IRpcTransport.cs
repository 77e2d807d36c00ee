using System.Net;

namespace DittoFs.Rpc;

/// <summary>
/// Where a call came from and where its reply goes: one TCP connection (<see cref="RpcConnection"/>) or the server's
/// UDP socket (<see cref="RpcUdpTransport"/>). Everything between receipt and reply (call header, credentials, program
/// lookup, duplicate request cache, dispatch, reply encoding) is <see cref="RpcCall"/>'s and the same for both; a
/// transport only frames, sends and recycles.
/// </summary>
internal interface IRpcTransport
{
    RpcServer Server { get; }

    /// <summary>The programs callable on this transport (UDP may serve fewer than TCP).</summary>
    RpcProgramTable Programs { get; }

    /// <summary>The duplicate request cache of this transport's calls, if the server keeps one.</summary>
    DuplicateRequestCache? DuplicateRequests { get; }

    /// <summary>
    /// The local end calls arrive at: a TCP connection's own (the address the client connected to), or the UDP
    /// socket's, which is the wildcard address when the server listens on every address.
    /// </summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Handed to every call; cancelled when the transport closes or the server stops.</summary>
    CancellationToken CallsToken { get; }

    /// <summary>Whether a reply's out-of-line data may be sent from where it lies (<see cref="ExternalReplySender"/>); else it is copied in.</summary>
    bool SendsOutOfLineData { get; }

    /// <summary>The largest reply message (without the record mark) the transport can carry; a larger one is answered SYSTEM_ERR.</summary>
    int MaxReplySize { get; }

    /// <summary>Gives back a request buffer once the call no longer needs it (its arguments are decoded and used).</summary>
    void ReturnRequest(byte[] request);

    /// <summary>Sends the finished call's reply (<see cref="RpcCall.Reply"/>), then recycles the call.</summary>
    void SendReply(RpcCall call);

    /// <summary>A call is over (reply sent, dropped or undeliverable): recycle it and free what it held.</summary>
    void CallFinished(RpcCall call);
}
