namespace DittoFs.Rpc;

/// <summary>Why the server closed a connection, as reported to <see cref="IRpcServerObserver"/>.</summary>
public enum RpcConnectionCloseReason
{
    /// <summary>
    /// The client closed its side (calls still running were answered first), or reset the connection between calls (libnfs
    /// closes so).
    /// </summary>
    ClientClosed,
    /// <summary>Nothing received and no call running for <see cref="RpcServerOptions.IdleTimeout"/>.</summary>
    IdleTimeout,
    /// <summary>The client broke the protocol: an oversized record or a message that is not a call.</summary>
    ProtocolViolation,
    /// <summary>The socket failed (a reset in the middle of a call, a broken pipe).</summary>
    TransportError,
    /// <summary>The server stopped and every call of the connection finished in time.</summary>
    Shutdown,
    /// <summary>The server stopped and calls were still running when the shutdown timeout expired.</summary>
    ForcedShutdown,
    /// <summary>A partly received record got no byte for <see cref="RpcServerOptions.RecordTimeout"/>.</summary>
    RecordTimeout,
}
