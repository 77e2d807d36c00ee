using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using WireWcc = DittoFs.Protocol.WccData;

namespace DittoFs.Nfs;

// CREATE, MKDIR, SYMLINK, MKNOD: new objects. Each answers the new object's handle and attributes and the
// directory's WCC data, which the store fills on failure too.
public sealed partial class NfsService
{
    /// <summary>
    /// CREATE (RFC 1813 §3.3.8). UNCHECKED and GUARDED carry initial attributes; a requested size (UNCHECKED on an
    /// existing file is how O_TRUNC arrives) is applied to the content as well, by the file system. EXCLUSIVE carries only an 8-byte
    /// verifier, which the store keeps with the file so that a retransmitted CREATE finds its own file and succeeds;
    /// the client then sets the attributes with SETATTR.
    /// </summary>
    public ValueTask<Create3Res> CreateAsync(Create3Args arguments, RpcCallContext context)
    {
        var status = OpenForChange(arguments.Where.Dir, context, NfsV3Procedure.Create, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return Reply(RefusalWccAsync(status, target, context.CancellationToken), status,
                static (NfsService _, in WireWcc refused, in Nfsstat3 status) => new Create3Res { Status = status, Resfail = new Create3Resfail { DirWcc = refused } });
        }
        var how = arguments.How;
        bool exclusive = how.Mode == Createmode3.Exclusive;
        var attributes = exclusive ? SetAttributes.None : WireAttributes.ToSetAttributes(how.ObjAttributes);
        ulong verifier = exclusive ? Verifiers.Decode(how.Verf) : 0;
        var name = arguments.Where.Name;
        return Reply(target.FileSystem.CreateAsync(target.Auth, target.File, name, (CreateMode)(int)how.Mode, attributes, verifier, context.CancellationToken),
            new NamedTarget(target, name.Value),
            static (NfsService service, in StoreResult<CreateResult> result, in NamedTarget at) =>
                service.Created(result, NfsV3Procedure.Create, at.Target, at.Name) is var created && created.Status == Nfsstat3.Nfs3Ok
                    ? new Create3Res { Status = created.Status, Resok = new Create3Resok { Obj = created.Handle, ObjAttributes = created.Attributes, DirWcc = created.Directory } }
                    : new Create3Res { Status = created.Status, Resfail = new Create3Resfail { DirWcc = created.Directory } });
    }

    /// <summary>MKDIR (RFC 1813 §3.3.9).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Mkdir3Res> MkdirAsync(Mkdir3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Where.Dir, context, NfsV3Procedure.Mkdir, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return new Mkdir3Res { Status = status, Resfail = new Mkdir3Resfail { DirWcc = refused } };
        }
        var result = await target.FileSystem.MkdirAsync(target.Auth, target.File, arguments.Where.Name, WireAttributes.ToSetAttributes(arguments.Attributes), cancellationToken)
            .ConfigureAwait(false);
        var created = Created(result, NfsV3Procedure.Mkdir, target, arguments.Where.Name.Value);
        return created.Status == Nfsstat3.Nfs3Ok
            ? new Mkdir3Res { Status = created.Status, Resok = new Mkdir3Resok { Obj = created.Handle, ObjAttributes = created.Attributes, DirWcc = created.Directory } }
            : new Mkdir3Res { Status = created.Status, Resfail = new Mkdir3Resfail { DirWcc = created.Directory } };
    }

    /// <summary>SYMLINK (RFC 1813 §3.3.10): the target is stored as sent; the store refuses an empty one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Symlink3Res> SymlinkAsync(Symlink3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Where.Dir, context, NfsV3Procedure.Symlink, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return new Symlink3Res { Status = status, Resfail = new Symlink3Resfail { DirWcc = refused } };
        }
        var symlink = arguments.Symlink;
        var result = await target.FileSystem.SymlinkAsync(target.Auth, target.File, arguments.Where.Name, symlink.SymlinkData,
            WireAttributes.ToSetAttributes(symlink.SymlinkAttributes), cancellationToken).ConfigureAwait(false);
        var created = Created(result, NfsV3Procedure.Symlink, target, arguments.Where.Name.Value);
        return created.Status == Nfsstat3.Nfs3Ok
            ? new Symlink3Res { Status = created.Status, Resok = new Symlink3Resok { Obj = created.Handle, ObjAttributes = created.Attributes, DirWcc = created.Directory } }
            : new Symlink3Res { Status = created.Status, Resfail = new Symlink3Resfail { DirWcc = created.Directory } };
    }

    /// <summary>
    /// MKNOD (RFC 1813 §3.3.11): character and block devices carry a major/minor number, sockets and FIFOs only
    /// attributes. Other types are the store's NFS3ERR_BADTYPE; devices need root, as mknod(2).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Mknod3Res> MknodAsync(Mknod3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.Where.Dir, context, NfsV3Procedure.Mknod, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return new Mknod3Res { Status = status, Resfail = new Mknod3Resfail { DirWcc = refused } };
        }
        var what = arguments.What;
        var (attributes, device) = what.Type switch
        {
            Ftype3.Nf3chr or Ftype3.Nf3blk => (WireAttributes.ToSetAttributes(what.Device.DevAttributes),
                new DeviceNumber(what.Device.Spec.Specdata1, what.Device.Spec.Specdata2)),
            Ftype3.Nf3sock or Ftype3.Nf3fifo => (WireAttributes.ToSetAttributes(what.PipeAttributes), default),
            _ => (SetAttributes.None, default(DeviceNumber)),
        };
        var result = await target.FileSystem.MknodAsync(target.Auth, target.File, arguments.Where.Name, (FileType)(int)what.Type, attributes, device, cancellationToken)
            .ConfigureAwait(false);
        var created = Created(result, NfsV3Procedure.Mknod, target, arguments.Where.Name.Value);
        return created.Status == Nfsstat3.Nfs3Ok
            ? new Mknod3Res { Status = created.Status, Resok = new Mknod3Resok { Obj = created.Handle, ObjAttributes = created.Attributes, DirWcc = created.Directory } }
            : new Mknod3Res { Status = created.Status, Resfail = new Mknod3Resfail { DirWcc = created.Directory } };
    }

    /// <summary>The reply parts the four creating procedures share, from the file system's answer.</summary>
    /// <remarks>Not inlined: its attribute conversions would join the caller's frame, which the runtime zeroes on entry.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CreatedObject Created(in StoreResult<CreateResult> result, NfsV3Procedure procedure, in CallTarget target, ReadOnlyMemory<byte> name)
    {
        var nfs = Outcome(result.Status, procedure, target, name);
        var directory = target.Wcc(result.Value.Directory);
        if (nfs != Nfsstat3.Nfs3Ok)
        {
            return new CreatedObject(nfs, default, default, directory);
        }
        var file = result.Value.File;
        return new CreatedObject(nfs, target.PostOpHandle(file.Ref), target.PostOp(file), directory);
    }

    private readonly record struct CreatedObject(Nfsstat3 Status, PostOpFh3 Handle, PostOpAttr Attributes, WireWcc Directory);

    /// <summary>The directory a call names an entry of, and the entry's name.</summary>
    private readonly record struct NamedTarget(CallTarget Target, ReadOnlyMemory<byte> Name);
}
