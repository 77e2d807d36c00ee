using System.Diagnostics;
using System.Runtime.CompilerServices;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The NFSv3 service with each call counted as it completes: by the share its file handle named
/// (<see cref="NfsService.ShareOf"/>, "none" for a handle of no exported share), its procedure and the nfsstat3 of its
/// typed result, and the bytes a successful READ returned or WRITE took (the results' count). It sits between the
/// generated dispatcher and the service, so it sees what the service decided before anything is encoded, and reads
/// no message a second time. Calls that throw are not counted here (the RPC layer counts them as SYSTEM_ERR);
/// NULL, which has no handle, is not an operation.
/// </summary>
internal sealed class MeteredNfsService(INfsV3<RpcCallContext> inner, DittoMetrics metrics, ShareTags shares) : INfsV3<RpcCallContext>
{
    public ValueTask NullAsync(RpcCallContext context) => inner.NullAsync(context);

    public ValueTask<Getattr3Res> GetattrAsync(Getattr3Args arguments, RpcCallContext context) => Count(inner.GetattrAsync(arguments, context), context, NfsV3Procedure.Getattr, static r => new(r.Status));
    public ValueTask<Setattr3Res> SetattrAsync(Setattr3Args arguments, RpcCallContext context) => Count(inner.SetattrAsync(arguments, context), context, NfsV3Procedure.Setattr, static r => new(r.Status));
    public ValueTask<Lookup3Res> LookupAsync(Lookup3Args arguments, RpcCallContext context) => Count(inner.LookupAsync(arguments, context), context, NfsV3Procedure.Lookup, static r => new(r.Status));
    public ValueTask<Access3Res> AccessAsync(Access3Args arguments, RpcCallContext context) => Count(inner.AccessAsync(arguments, context), context, NfsV3Procedure.Access, static r => new(r.Status));
    public ValueTask<Readlink3Res> ReadlinkAsync(Readlink3Args arguments, RpcCallContext context) => Count(inner.ReadlinkAsync(arguments, context), context, NfsV3Procedure.Readlink, static r => new(r.Status));
    public ValueTask<Read3Res> ReadAsync(Read3Args arguments, RpcCallContext context) => Count(inner.ReadAsync(arguments, context), context, NfsV3Procedure.Read, static r => new(r.Status, Read: r.Resok.Count));
    public ValueTask<Write3Res> WriteAsync(Write3Args arguments, RpcCallContext context) => Count(inner.WriteAsync(arguments, context), context, NfsV3Procedure.Write, static r => new(r.Status, Written: r.Resok.Count));
    public ValueTask<Create3Res> CreateAsync(Create3Args arguments, RpcCallContext context) => Count(inner.CreateAsync(arguments, context), context, NfsV3Procedure.Create, static r => new(r.Status));
    public ValueTask<Mkdir3Res> MkdirAsync(Mkdir3Args arguments, RpcCallContext context) => Count(inner.MkdirAsync(arguments, context), context, NfsV3Procedure.Mkdir, static r => new(r.Status));
    public ValueTask<Symlink3Res> SymlinkAsync(Symlink3Args arguments, RpcCallContext context) => Count(inner.SymlinkAsync(arguments, context), context, NfsV3Procedure.Symlink, static r => new(r.Status));
    public ValueTask<Mknod3Res> MknodAsync(Mknod3Args arguments, RpcCallContext context) => Count(inner.MknodAsync(arguments, context), context, NfsV3Procedure.Mknod, static r => new(r.Status));
    public ValueTask<Remove3Res> RemoveAsync(Remove3Args arguments, RpcCallContext context) => Count(inner.RemoveAsync(arguments, context), context, NfsV3Procedure.Remove, static r => new(r.Status));
    public ValueTask<Rmdir3Res> RmdirAsync(Rmdir3Args arguments, RpcCallContext context) => Count(inner.RmdirAsync(arguments, context), context, NfsV3Procedure.Rmdir, static r => new(r.Status));
    public ValueTask<Rename3Res> RenameAsync(Rename3Args arguments, RpcCallContext context) => Count(inner.RenameAsync(arguments, context), context, NfsV3Procedure.Rename, static r => new(r.Status));
    public ValueTask<Link3Res> LinkAsync(Link3Args arguments, RpcCallContext context) => Count(inner.LinkAsync(arguments, context), context, NfsV3Procedure.Link, static r => new(r.Status));
    public ValueTask<Readdir3Res> ReaddirAsync(Readdir3Args arguments, RpcCallContext context) => Count(inner.ReaddirAsync(arguments, context), context, NfsV3Procedure.Readdir, static r => new(r.Status));
    public ValueTask<Readdirplus3Res> ReaddirplusAsync(Readdirplus3Args arguments, RpcCallContext context) => Count(inner.ReaddirplusAsync(arguments, context), context, NfsV3Procedure.Readdirplus, static r => new(r.Status));
    public ValueTask<Fsstat3Res> FsstatAsync(Fsstat3Args arguments, RpcCallContext context) => Count(inner.FsstatAsync(arguments, context), context, NfsV3Procedure.Fsstat, static r => new(r.Status));
    public ValueTask<Fsinfo3Res> FsinfoAsync(Fsinfo3Args arguments, RpcCallContext context) => Count(inner.FsinfoAsync(arguments, context), context, NfsV3Procedure.Fsinfo, static r => new(r.Status));
    public ValueTask<Pathconf3Res> PathconfAsync(Pathconf3Args arguments, RpcCallContext context) => Count(inner.PathconfAsync(arguments, context), context, NfsV3Procedure.Pathconf, static r => new(r.Status));
    public ValueTask<Commit3Res> CommitAsync(Commit3Args arguments, RpcCallContext context) => Count(inner.CommitAsync(arguments, context), context, NfsV3Procedure.Commit, static r => new(r.Status));

    /// <summary>Counts a call once its result is there: in place if the service completed at once, else after a (pooled) await.</summary>
    private ValueTask<T> Count<T>(ValueTask<T> pending, RpcCallContext context, NfsV3Procedure procedure, Func<T, Outcome> outcome)
    {
        if (!pending.IsCompletedSuccessfully)
            return CountAsync(pending, context, procedure, outcome);
        var result = pending.Result;
        Record(context, procedure, outcome(result));
        return new ValueTask<T>(result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> CountAsync<T>(ValueTask<T> pending, RpcCallContext context, NfsV3Procedure procedure, Func<T, Outcome> outcome)
    {
        var result = await pending.ConfigureAwait(false);
        Record(context, procedure, outcome(result));
        return result;
    }

    private void Record(RpcCallContext context, NfsV3Procedure procedure, Outcome outcome)
    {
        var share = shares.Of(NfsService.ShareOf(context));
        var operation = new TagList { share, MetricTags.Nfs.Procedure((uint)procedure), MetricTags.NfsStatus((uint)outcome.Status) };
        metrics.NfsOperations.Add(1, in operation);
        if (outcome.Status != Nfsstat3.Nfs3Ok)
            return;
        if (outcome.Read > 0)
            metrics.NfsReadBytes.Add(outcome.Read, share);
        if (outcome.Written > 0)
            metrics.NfsWriteBytes.Add(outcome.Written, share);
    }

    /// <summary>What the metrics take from a typed result: its nfsstat3 and the file bytes a READ returned or a WRITE took.</summary>
    private readonly record struct Outcome(Nfsstat3 Status, uint Read = 0, uint Written = 0);
}
