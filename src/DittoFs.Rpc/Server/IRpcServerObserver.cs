using System.Net;

namespace DittoFs.Rpc;

/// <summary>
/// Hooks for metrics: the server calls them inline on its network and call paths, so implementations must
/// be cheap, thread-safe and must not throw. Every method has a no-op default; implement what you count.
/// </summary>
public interface IRpcServerObserver
{
    /// <summary>A connection was accepted and will be served.</summary>
    void ConnectionAccepted(IPEndPoint client) { }

    /// <summary>A connection was accepted and closed at once because <see cref="RpcServerOptions.MaxConnections"/> were open.</summary>
    void ConnectionRejected(IPEndPoint client) { }

    /// <summary>A served connection was closed.</summary>
    void ConnectionClosed(IPEndPoint client, RpcConnectionCloseReason reason) { }

    /// <summary>
    /// A call was answered (or dropped). <paramref name="duration"/> runs from the moment its record was
    /// complete to the moment its reply was ready to send. Header fields the call did not carry are 0.
    /// </summary>
    void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration) { }
}

/// <summary>The observer used when none is given.</summary>
internal sealed class NullRpcServerObserver : IRpcServerObserver
{
    public static readonly NullRpcServerObserver Instance = new();
}
