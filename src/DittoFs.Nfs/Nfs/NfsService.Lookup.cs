using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Nfs;

// LOOKUP, READLINK: reading the namespace.
public sealed partial class NfsService
{
    /// <summary>
    /// LOOKUP (RFC 1813 §3.3.3), including "." and ".." (".." of a share's root is the root: clients cannot walk
    /// out of an export). The directory's attributes come back on failure too, so clients can cache a
    /// negative answer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Lookup3Res> LookupAsync(Lookup3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.What.Dir, context, NfsV3Procedure.Lookup, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Lookup3Res { Status = status };
        }
        var result = await target.FileSystem.LookupAsync(target.Auth, target.File, arguments.What.Name, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Lookup, target, arguments.What.Name.Value);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Lookup3Res { Status = status, Resfail = new Lookup3Resfail { DirAttributes = target.PostOp(result.Value.Directory) } };
        }
        return new Lookup3Res
        {
            Status = status,
            Resok = new Lookup3Resok
            {
                Object = target.Handle(result.Value.File.Ref),
                ObjAttributes = target.PostOp(result.Value.File),
                DirAttributes = target.PostOp(result.Value.Directory),
            },
        };
    }

    /// <summary>READLINK (RFC 1813 §3.3.5): the target as stored; NFS3ERR_INVAL for an object that is not a symbolic link.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Readlink3Res> ReadlinkAsync(Readlink3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Symlink, context, NfsV3Procedure.Readlink, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Readlink3Res { Status = status };
        }
        var result = await target.FileSystem.ReadLinkAsync(target.Auth, target.File, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Readlink, target);
        var attributes = target.PostOp(result.Value.Attributes);
        return status != Nfsstat3.Nfs3Ok
            ? new Readlink3Res { Status = status, Resfail = new Readlink3Resfail { SymlinkAttributes = attributes } }
            : new Readlink3Res { Status = status, Resok = new Readlink3Resok { SymlinkAttributes = attributes, Data = result.Value.Target } };
    }
}
