using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// GETATTR, SETATTR, ACCESS: the attributes of one object.
public sealed partial class NfsService
{
    /// <summary>GETATTR (RFC 1813 §3.3.1).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Getattr3Res> GetattrAsync(Getattr3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Object, context, NfsV3Procedure.Getattr, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Getattr3Res { Status = status };
        }
        var attributes = await target.FileSystem.GetAttributesAsync(target.File, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(attributes.Status, NfsV3Procedure.Getattr, target);
        return status != Nfsstat3.Nfs3Ok
            ? new Getattr3Res { Status = status }
            : new Getattr3Res { Status = status, Resok = new Getattr3Resok { ObjAttributes = WireAttributes.ToFattr3(attributes.Value, target.Share.Id) } };
    }

    /// <summary>
    /// SETATTR (RFC 1813 §3.3.2). The store checks who may change what, applies the guard (NFS3ERR_NOT_SYNC when
    /// the client's ctime is not the file's) and ignores file-type bits in the mode. A size change of a regular
    /// file also truncates or extends its content, and is undone when the content store refuses it (the file system's
    /// rule). Time changes may be to the client's time or to the server's (SET_TO_SERVER_TIME).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Setattr3Res> SetattrAsync(Setattr3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Object, context, NfsV3Procedure.Setattr, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return new Setattr3Res { Status = status, Resfail = new Setattr3Resfail { ObjWcc = refused } };
        }

        var changes = WireAttributes.ToSetAttributes(arguments.NewAttributes);
        FileTime? guard = arguments.Guard.Check ? WireAttributes.ToFileTime(arguments.Guard.ObjCtime) : null;
        var result = await target.FileSystem.SetAttributesAsync(target.Auth, target.File, changes, guard, cancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Setattr, target);
        var wcc = target.Wcc(result.Value);
        return status == Nfsstat3.Nfs3Ok
            ? new Setattr3Res { Status = status, Resok = new Setattr3Resok { ObjWcc = wcc } }
            : new Setattr3Res { Status = status, Resfail = new Setattr3Resfail { ObjWcc = wcc } };
    }

    /// <summary>
    /// ACCESS (RFC 1813 §3.3.4): the rights the store's mode-bit check grants, less MODIFY, EXTEND and DELETE on a
    /// read-only export (as Linux nfsd), so clients do not offer writes that would fail with NFS3ERR_ROFS.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Access3Res> AccessAsync(Access3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Object, context, NfsV3Procedure.Access, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Access3Res { Status = status };
        }
        var requested = (AccessRights)arguments.Access & AccessRights.All;
        var result = await target.FileSystem.AccessAsync(target.Auth, target.File, requested, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Access, target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Access3Res { Status = status, Resfail = new Access3Resfail { ObjAttributes = target.PostOp(result.Value.Attributes) } };
        }
        var granted = result.Value.Granted;
        if (target.Share.Options.ReadOnly)
        {
            granted &= ~(AccessRights.Modify | AccessRights.Extend | AccessRights.Delete);
        }
        return new Access3Res
        {
            Status = status,
            Resok = new Access3Resok { ObjAttributes = target.PostOp(result.Value.Attributes), Access = (uint)granted },
        };
    }
}
