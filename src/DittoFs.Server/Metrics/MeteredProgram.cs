using System.Runtime.CompilerServices;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Wraps a program's dispatcher to count the calls in flight in the program, from dispatch until the reply is
/// encoded. What a call did (share, nfsstat3, bytes) is counted a layer below, from the service's typed result
/// (<see cref="MeteredNfsService"/>). A server without metrics has no wrapper at all.
/// </summary>
internal sealed class MeteredProgram(IXdrProgram<RpcCallContext> inner, DittoMetrics metrics, ProgramTags tags) : IXdrProgram<RpcCallContext>
{
    public uint Program => inner.Program;
    public uint Version => inner.Version;

    public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
    {
        metrics.RpcInFlightRequests.Add(1, tags.Program);
        ValueTask<XdrDispatchResult> pending;
        try
        {
            pending = inner.DispatchAsync(procedure, arguments, context, results);
        }
        catch
        {
            metrics.RpcInFlightRequests.Add(-1, tags.Program);
            throw;
        }
        if (!pending.IsCompletedSuccessfully)
            return AwaitAsync(pending);
        var result = pending.Result;
        metrics.RpcInFlightRequests.Add(-1, tags.Program);
        return new ValueTask<XdrDispatchResult>(result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<XdrDispatchResult> AwaitAsync(ValueTask<XdrDispatchResult> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            metrics.RpcInFlightRequests.Add(-1, tags.Program);
        }
    }
}
