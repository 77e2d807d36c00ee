using System.Net;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc;

/// <summary>
/// Wraps the operator's <see cref="IRpcServerObserver"/>: the hooks run inline on thread-pool work items,
/// where an exception would take the process down, so a faulty observer costs a log line, not the server.
/// </summary>
internal sealed class GuardedObserver(IRpcServerObserver inner, ILogger logger) : IRpcServerObserver
{
    public void ConnectionAccepted(IPEndPoint client)
    {
        try { inner.ConnectionAccepted(client); }
        catch (Exception exception) { RpcLog.ObserverFailed(logger, exception); }
    }

    public void ConnectionRejected(IPEndPoint client)
    {
        try { inner.ConnectionRejected(client); }
        catch (Exception exception) { RpcLog.ObserverFailed(logger, exception); }
    }

    public void ConnectionClosed(IPEndPoint client, RpcConnectionCloseReason reason)
    {
        try { inner.ConnectionClosed(client, reason); }
        catch (Exception exception) { RpcLog.ObserverFailed(logger, exception); }
    }

    public void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration)
    {
        try { inner.CallCompleted(program, version, procedure, status, duration); }
        catch (Exception exception) { RpcLog.ObserverFailed(logger, exception); }
    }
}
