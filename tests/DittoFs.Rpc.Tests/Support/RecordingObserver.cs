using System.Collections.Concurrent;
using System.Net;

namespace DittoFs.Rpc.Tests;

/// <summary>Keeps every event the server reports, for assertions.</summary>
internal sealed class RecordingObserver : IRpcServerObserver
{
    public ConcurrentQueue<IPEndPoint> Accepted { get; } = new();
    public ConcurrentQueue<IPEndPoint> Rejected { get; } = new();
    public ConcurrentQueue<RpcConnectionCloseReason> Closed { get; } = new();
    public ConcurrentQueue<(uint Program, uint Version, uint Procedure, RpcCallStatus Status, TimeSpan Duration)> Calls { get; } = new();

    public void ConnectionAccepted(IPEndPoint client) => Accepted.Enqueue(client);
    public void ConnectionRejected(IPEndPoint client) => Rejected.Enqueue(client);
    public void ConnectionClosed(IPEndPoint client, RpcConnectionCloseReason reason) => Closed.Enqueue(reason);

    public void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration) =>
        Calls.Enqueue((program, version, procedure, status, duration));
}
