using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using WireWcc = DittoFs.Protocol.WccData;

namespace DittoFs.Nfs;

// REMOVE, RMDIR, RENAME, LINK: changing names of existing objects.
public sealed partial class NfsService
{
    /// <summary>
    /// REMOVE (RFC 1813 §3.3.12) of a non-directory; when its last name goes, the file system releases its bytes.
    /// </summary>
    public ValueTask<Remove3Res> RemoveAsync(Remove3Args arguments, RpcCallContext context)
    {
        var status = OpenForChange(arguments.Object.Dir, context, NfsV3Procedure.Remove, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return Reply(RefusalWccAsync(status, target, context.CancellationToken), status,
                static (NfsService _, in WireWcc refused, in Nfsstat3 status) => new Remove3Res { Status = status, Resfail = new Remove3Resfail { DirWcc = refused } });
        }
        var name = arguments.Object.Name;
        return Reply(target.FileSystem.RemoveAsync(target.Auth, target.File, name, context.CancellationToken), new NamedTarget(target, name.Value),
            static (NfsService service, in StoreResult<RemoveResult> result, in NamedTarget at) =>
            {
                var status = service.Outcome(result.Status, NfsV3Procedure.Remove, at.Target, at.Name);
                var wcc = at.Target.Wcc(result.Value.Directory);
                return status == Nfsstat3.Nfs3Ok
                    ? new Remove3Res { Status = status, Resok = new Remove3Resok { DirWcc = wcc } }
                    : new Remove3Res { Status = status, Resfail = new Remove3Resfail { DirWcc = wcc } };
            });
    }

    /// <summary>RMDIR (RFC 1813 §3.3.13) of an empty directory.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Rmdir3Res> RmdirAsync(Rmdir3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Object.Dir, context, NfsV3Procedure.Rmdir, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return new Rmdir3Res { Status = status, Resfail = new Rmdir3Resfail { DirWcc = refused } };
        }
        var result = await target.FileSystem.RmdirAsync(target.Auth, target.File, arguments.Object.Name, cancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Rmdir, target, arguments.Object.Name.Value);
        var wcc = target.Wcc(result.Value);
        return status == Nfsstat3.Nfs3Ok
            ? new Rmdir3Res { Status = status, Resok = new Rmdir3Resok { DirWcc = wcc } }
            : new Rmdir3Res { Status = status, Resfail = new Rmdir3Resfail { DirWcc = wcc } };
    }

    /// <summary>
    /// RENAME (RFC 1813 §3.3.14) with rename(2) semantics, kept by the file system: an existing compatible target is
    /// replaced atomically (its content released if that was its last name), and renaming one file onto another
    /// name of itself succeeds doing nothing. Both directories must be in one share (NFS3ERR_XDEV, see
    /// <see cref="OpenInSameShare"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Rename3Res> RenameAsync(Rename3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.From.Dir, context, NfsV3Procedure.Rename, out var from);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, from, cancellationToken).ConfigureAwait(false);
            return new Rename3Res { Status = status, Resfail = new Rename3Resfail { FromdirWcc = refused } };
        }
        status = OpenInSameShare(arguments.To.Dir, from, context, NfsV3Procedure.Rename, out var to);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var unchanged = await UnchangedWccAsync(from, cancellationToken).ConfigureAwait(false);
            return new Rename3Res { Status = status, Resfail = new Rename3Resfail { FromdirWcc = unchanged } };
        }

        var result = await from.FileSystem.RenameAsync(from.Auth, from.File, arguments.From.Name, to.File, arguments.To.Name, cancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Rename, from, arguments.From.Name.Value);
        var fromWcc = from.Wcc(result.Value.FromDirectory);
        var toWcc = to.Wcc(result.Value.ToDirectory);
        return status == Nfsstat3.Nfs3Ok
            ? new Rename3Res { Status = status, Resok = new Rename3Resok { FromdirWcc = fromWcc, TodirWcc = toWcc } }
            : new Rename3Res { Status = status, Resfail = new Rename3Resfail { FromdirWcc = fromWcc, TodirWcc = toWcc } };
    }

    /// <summary>
    /// LINK (RFC 1813 §3.3.15): a new name for a non-directory; the reply carries the file's attributes with its new
    /// link count. The file and the directory must be in one share (NFS3ERR_XDEV).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Link3Res> LinkAsync(Link3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Link.Dir, context, NfsV3Procedure.Link, out var directory);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, directory, cancellationToken).ConfigureAwait(false);
            return new Link3Res { Status = status, Resfail = new Link3Resfail { LinkdirWcc = refused } };
        }
        status = OpenInSameShare(arguments.File, directory, context, NfsV3Procedure.Link, out var file);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var unchanged = await UnchangedWccAsync(directory, cancellationToken).ConfigureAwait(false);
            return new Link3Res { Status = status, Resfail = new Link3Resfail { LinkdirWcc = unchanged } };
        }

        var result = await directory.FileSystem.LinkAsync(directory.Auth, file.File, directory.File, arguments.Link.Name, cancellationToken).ConfigureAwait(false);
        status = Outcome(result.Status, NfsV3Procedure.Link, directory, arguments.Link.Name.Value);
        var fileAttributes = directory.PostOp(result.Value.File);
        var wcc = directory.Wcc(result.Value.Directory);
        return status == Nfsstat3.Nfs3Ok
            ? new Link3Res { Status = status, Resok = new Link3Resok { FileAttributes = fileAttributes, LinkdirWcc = wcc } }
            : new Link3Res { Status = status, Resfail = new Link3Resfail { FileAttributes = fileAttributes, LinkdirWcc = wcc } };
    }

    /// <summary>
    /// <see cref="Resolve"/> for the second handle of RENAME or LINK, which must be in the share of
    /// <paramref name="first"/>: NFS3ERR_XDEV otherwise, since shares are separate file systems (separate fsids)
    /// even when they share a store. The call has begun (<see cref="Open"/>) and keeps the first handle's share.
    /// </summary>
    private Nfsstat3 OpenInSameShare(in NfsFh3 handle, in CallTarget first, RpcCallContext context, NfsV3Procedure procedure, out CallTarget target)
    {
        var status = Resolve(handle, context, procedure, out target, out _);
        if (status == Nfsstat3.Nfs3Ok && target.Share != first.Share)
        {
            status = Nfsstat3.Nfs3errXdev;
            LogFailure(procedure, target.File, status);
        }
        return status;
    }
}
