using System.Diagnostics;
using System.Net;
using DittoFs.Rpc;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Counts what the RPC server reports: every call with its program, procedure and RPC outcome and how long it took,
/// and connections as they open, are refused and close. Runs inline on the server's paths, so each hook only looks
/// up cached tags and adds to an instrument.
/// </summary>
internal sealed class RpcMetricsObserver(DittoMetrics metrics) : IRpcServerObserver
{
    public void ConnectionAccepted(IPEndPoint client)
    {
        metrics.ConnectionsAccepted.Add(1);
        metrics.ConnectionsActive.Add(1);
    }

    public void ConnectionRejected(IPEndPoint client) => metrics.ConnectionsRejected.Add(1);

    public void ConnectionClosed(IPEndPoint client, RpcConnectionCloseReason reason)
    {
        metrics.ConnectionsActive.Add(-1);
        metrics.ConnectionsClosed.Add(1, MetricTags.CloseReason(reason));
    }

    public void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration)
    {
        var served = MetricTags.Find(program, version);
        var programTag = served?.Program ?? MetricTags.OtherProgram;
        var procedureTag = served?.Procedure(procedure) ?? MetricTags.OtherProcedure;
        var tags = new TagList { programTag, procedureTag, MetricTags.RpcStatus(status) };
        metrics.RpcRequests.Add(1, in tags);
        metrics.RpcRequestDuration.Record(duration.TotalSeconds, programTag, procedureTag);
    }
}
