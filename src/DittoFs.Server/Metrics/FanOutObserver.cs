using System.Net;
using DittoFs.Rpc;

namespace DittoFs.Server.Metrics;

/// <summary>Hands each RPC server event to two observers: the metrics' and one the embedding code passed in.</summary>
internal sealed class FanOutObserver(IRpcServerObserver first, IRpcServerObserver second) : IRpcServerObserver
{
    public static IRpcServerObserver? Of(IRpcServerObserver? first, IRpcServerObserver? second) =>
        first is null ? second : second is null ? first : new FanOutObserver(first, second);

    public void ConnectionAccepted(IPEndPoint client)
    {
        first.ConnectionAccepted(client);
        second.ConnectionAccepted(client);
    }

    public void ConnectionRejected(IPEndPoint client)
    {
        first.ConnectionRejected(client);
        second.ConnectionRejected(client);
    }

    public void ConnectionClosed(IPEndPoint client, RpcConnectionCloseReason reason)
    {
        first.ConnectionClosed(client, reason);
        second.ConnectionClosed(client, reason);
    }

    public void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration)
    {
        first.CallCompleted(program, version, procedure, status, duration);
        second.CallCompleted(program, version, procedure, status, duration);
    }
}
