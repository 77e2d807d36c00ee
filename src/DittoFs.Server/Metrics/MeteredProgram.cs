using System.Diagnostics;
using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Wraps a program's dispatcher to measure what only the dispatch can see: calls in flight in the program and, for
/// NFSv3 (<paramref name="shares"/> given), each call's share, the nfsstat3 of its reply and the bytes READ and
/// WRITE moved. Both come from the wire (<see cref="NfsWire"/>): the share from the call's first file handle, the
/// rest from the encoded result, which the dispatcher has written into the reply buffer by the time it completes.
/// So the NFS service carries no metrics code, and a server without metrics has no wrapper at all.
/// </summary>
internal sealed class MeteredProgram(IXdrProgram<RpcCallContext> inner, DittoMetrics metrics, ProgramTags tags, ShareTags? shares) : IXdrProgram<RpcCallContext>
{
    public uint Program => inner.Program;
    public uint Version => inner.Version;

    public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
    {
        // The share is read before dispatch: the arguments are the caller's until the dispatch completes.
        var share = shares is not null && procedure != (uint)NfsV3Procedure.Null ? shares.Of(arguments.Span) : default;
        int resultStart = results.WrittenCount;
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
            return AwaitAsync(pending, procedure, share, results, resultStart);
        var result = pending.Result;
        metrics.RpcInFlightRequests.Add(-1, tags.Program);
        RecordNfs(result, procedure, share, results, resultStart);
        return new ValueTask<XdrDispatchResult>(result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<XdrDispatchResult> AwaitAsync(ValueTask<XdrDispatchResult> pending, uint procedure, KeyValuePair<string, object?> share, XdrBufferWriter results, int resultStart)
    {
        XdrDispatchResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        finally
        {
            metrics.RpcInFlightRequests.Add(-1, tags.Program);
        }
        RecordNfs(result, procedure, share, results, resultStart);
        return result;
    }

    private void RecordNfs(XdrDispatchResult result, uint procedure, KeyValuePair<string, object?> share, XdrBufferWriter results, int resultStart)
    {
        if (shares is null || result != XdrDispatchResult.Success || procedure == (uint)NfsV3Procedure.Null)
            return;
        var reply = results.WrittenSpan[resultStart..];
        if (!NfsWire.TryReadStatus(reply, out uint status))
            return;
        var operation = new TagList { share, tags.Procedure(procedure), MetricTags.NfsStatus(status) };
        metrics.NfsOperations.Add(1, in operation);
        if (status != (uint)Nfsstat3.Nfs3Ok)
            return;
        if (procedure == (uint)NfsV3Procedure.Read && NfsWire.ReadReplyCount(reply) is > 0 and var read)
            metrics.NfsReadBytes.Add(read, share);
        else if (procedure == (uint)NfsV3Procedure.Write && NfsWire.WriteReplyCount(reply) is > 0 and var written)
            metrics.NfsWriteBytes.Add(written, share);
    }
}
