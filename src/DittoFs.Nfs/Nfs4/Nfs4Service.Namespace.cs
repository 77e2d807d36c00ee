using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// CREATE, REMOVE, RENAME, LINK: changing names in directories, through the same file-system calls as v3's CREATE,
// MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME and LINK. Each answers change_info4 of the directories it changed.
public sealed partial class Nfs4Service
{
    /// <summary>
    /// CREATE (RFC 7530 §16.4, RFC 8881 §18.4) of a non-regular object in the current directory: NF4DIR (MKDIR),
    /// NF4LNK with its linkdata (SYMLINK), NF4BLK and NF4CHR with their specdata, NF4SOCK and NF4FIFO (MKNOD). NF4REG is
    /// OPEN's and is NFS4ERR_BADTYPE, as are the named-attribute types. createattrs are decoded as SETATTR's and set
    /// with the creation; attrset is all of them. The current filehandle becomes the new object.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> CreateAsync(Create4Args arguments, Nfs4Call call)
    {
        var type = arguments.Objtype.Type;
        var name = arguments.Objname.Value;
        SetAttributes attributes = default;
        uint[] attributesSet = [];
        CallTarget target = default;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle
            : type is < NfsFtype4.Nf4dir or > NfsFtype4.Nf4fifo ? Nfsstat4.Nfs4errBadtype
            : NameStatus(name);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = Fattr4Decoder.DecodeSettable(arguments.Createattrs, call.MinorVersion, out attributes, out attributesSet);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = TargetForChange(call.Current, call, out target);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpCreate, call, status);
            return (Failed(NfsOpnum4.OpCreate, status), status);
        }
        var cancellationToken = call.Context.CancellationToken;
        var fileSystem = target.FileSystem;
        var result = type switch
        {
            NfsFtype4.Nf4dir => await fileSystem.MkdirAsync(target.Auth, target.File, name, attributes, cancellationToken).ConfigureAwait(false),
            NfsFtype4.Nf4lnk => await fileSystem.SymlinkAsync(target.Auth, target.File, name, arguments.Objtype.Linkdata.Value, attributes, cancellationToken).ConfigureAwait(false),
            _ => await fileSystem.MknodAsync(target.Auth, target.File, name, (FileType)(int)type, attributes,
                type is NfsFtype4.Nf4blk or NfsFtype4.Nf4chr ? new DeviceNumber(arguments.Objtype.Devdata.Specdata1, arguments.Objtype.Devdata.Specdata2) : default,
                cancellationToken).ConfigureAwait(false),
        };
        status = StatusOf(result.Status);
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpCreate, call, status);
            return (Failed(NfsOpnum4.OpCreate, status), status);
        }
        call.Current = new Nfs4Fh(null, target.Share, result.Value.File.Ref);
        var resok = new Create4Resok { Cinfo = ChangeInfo(result.Value.Directory), Attrset = attributesSet };
        return (NfsResop4.FromOpcreate(call.Scratch.Arm(new Create4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>
    /// REMOVE (RFC 7530 §16.26, RFC 8881 §18.25) of a name in the current directory, whatever it names: the file
    /// system's REMOVE, and its RMDIR when that answers that the name is a directory (so a directory is looked up
    /// only when it is one). A directory that is not empty is NFS4ERR_NOTEMPTY.
    /// </summary>
    /// <remarks>Without an async method while the file system answers at once, as <see cref="OpenAsync"/>.</remarks>
    private ValueTask<(NfsResop4, Nfsstat4)> RemoveAsync(in Remove4Args arguments, Nfs4Call call)
    {
        var name = arguments.Target.Value;
        CallTarget target = default;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle : NameStatus(name);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = TargetForChange(call.Current, call, out target);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpRemove, call, status);
            return new((Failed(NfsOpnum4.OpRemove, status), status));
        }
        var removing = target.FileSystem.RemoveAsync(target.Auth, target.File, name, call.Context.CancellationToken);
        if (!removing.IsCompletedSuccessfully)
        {
            return RemoveLaterAsync(removing, target, name, call);
        }
        var removed = removing.Result;
        return removed.Status == StoreStatus.IsDir ? RemoveDirectoryAsync(target, name, call) : new(Removed(removed.Status, removed.Value.Directory, call));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> RemoveLaterAsync(ValueTask<StoreResult<RemoveResult>> removing, CallTarget target, ReadOnlyMemory<byte> name, Nfs4Call call)
    {
        var removed = await removing.ConfigureAwait(false);
        return removed.Status == StoreStatus.IsDir
            ? await RemoveDirectoryAsync(target, name, call).ConfigureAwait(false)
            : Removed(removed.Status, removed.Value.Directory, call);
    }

    /// <summary>REMOVE of a name the file system's REMOVE found to be a directory: its RMDIR.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> RemoveDirectoryAsync(CallTarget target, ReadOnlyMemory<byte> name, Nfs4Call call)
    {
        var removed = await target.FileSystem.RmdirAsync(target.Auth, target.File, name, call.Context.CancellationToken).ConfigureAwait(false);
        return Removed(removed.Status, removed.Value, call);
    }

    private (NfsResop4, Nfsstat4) Removed(StoreStatus storeStatus, in DittoFs.Storage.WccData directory, Nfs4Call call)
    {
        var status = StatusOf(storeStatus);
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpRemove, call, status);
            return (Failed(NfsOpnum4.OpRemove, status), status);
        }
        return (NfsResop4.FromOpremove(call.Scratch.Arm(new Remove4Res { Status = status, Resok4 = new Remove4Resok { Cinfo = ChangeInfo(directory) } })), status);
    }

    /// <summary>
    /// RENAME (RFC 7530 §16.27, RFC 8881 §18.26): oldname in the saved directory to newname in the current one, with
    /// rename(2)'s rules (the file system's). Both directories must be in one file system (NFS4ERR_XDEV): one share,
    /// or both in the pseudo file system, which is read-only. The current filehandle stays the target directory.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> RenameAsync(Rename4Args arguments, Nfs4Call call)
    {
        var oldName = arguments.Oldname.Value;
        var newName = arguments.Newname.Value;
        CallTarget from = default, to = default;
        var status = !call.Current.IsSet || !call.Saved.IsSet ? Nfsstat4.Nfs4errNofilehandle : NameStatus(oldName);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = NameStatus(newName);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = TargetsForChange(call, out from, out to);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpRename, call, status);
            return (Failed(NfsOpnum4.OpRename, status), status);
        }
        var result = await from.FileSystem.RenameAsync(from.Auth, from.File, oldName, to.File, newName, call.Context.CancellationToken).ConfigureAwait(false);
        status = StatusOf(result.Status);
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpRename, call, status);
            return (Failed(NfsOpnum4.OpRename, status), status);
        }
        var resok = new Rename4Resok { SourceCinfo = ChangeInfo(result.Value.FromDirectory), TargetCinfo = ChangeInfo(result.Value.ToDirectory) };
        return (NfsResop4.FromOprename(call.Scratch.Arm(new Rename4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>
    /// LINK (RFC 7530 §16.9, RFC 8881 §18.9): a new name in the current directory for the saved file, in one file
    /// system (NFS4ERR_XDEV otherwise); a directory cannot be linked (the file system's rule, as link(2): NFS4ERR_ISDIR). The current
    /// filehandle stays the directory.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> LinkAsync(Link4Args arguments, Nfs4Call call)
    {
        var name = arguments.Newname.Value;
        CallTarget file = default, directory = default;
        var status = !call.Current.IsSet || !call.Saved.IsSet ? Nfsstat4.Nfs4errNofilehandle : NameStatus(name);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = TargetsForChange(call, out file, out directory);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpLink, call, status);
            return (Failed(NfsOpnum4.OpLink, status), status);
        }
        var result = await directory.FileSystem.LinkAsync(directory.Auth, file.File, directory.File, name, call.Context.CancellationToken).ConfigureAwait(false);
        status = StatusOf(result.Status);
        if (status == Nfsstat4.Nfs4errPerm && await IsDirectoryAsync(file, call).ConfigureAwait(false))
        {
            // link(2)'s EPERM for a directory; NFSv4 has NFS4ERR_ISDIR for it (LINK's errors, RFC 7530 §13.2, list no PERM).
            status = Nfsstat4.Nfs4errIsdir;
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpLink, call, status);
            return (Failed(NfsOpnum4.OpLink, status), status);
        }
        return (NfsResop4.FromOplink(call.Scratch.Arm(new Link4Res { Status = status, Resok4 = new Link4Resok { Cinfo = ChangeInfo(result.Value.Directory) } })), status);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> IsDirectoryAsync(CallTarget target, Nfs4Call call)
    {
        var attributes = await target.FileSystem.GetAttributesAsync(target.File, call.Context.CancellationToken).ConfigureAwait(false);
        return attributes.IsOk && attributes.Value.Type == FileType.Directory;
    }

    /// <summary>
    /// The saved and current filehandles of RENAME and LINK, both to be changed: NFS4ERR_XDEV unless they are in one
    /// file system (RFC 7530 §16.27.5: the same fsid), which for the pseudo file system is NFS4ERR_ROFS; then each
    /// as <see cref="TargetForChange"/>.
    /// </summary>
    private Nfsstat4 TargetsForChange(Nfs4Call call, out CallTarget saved, out CallTarget current)
    {
        saved = current = default;
        bool savedPseudo = call.Saved.Pseudo is not null, currentPseudo = call.Current.Pseudo is not null;
        if (savedPseudo != currentPseudo || !savedPseudo && call.Saved.Share != call.Current.Share)
            return Nfsstat4.Nfs4errXdev;
        var status = TargetForChange(call.Saved, call, out saved);
        return status == Nfsstat4.Nfs4Ok ? TargetForChange(call.Current, call, out current) : status;
    }

    /// <summary>
    /// The checks of a component a CREATE, REMOVE, RENAME or LINK names (RFC 7530 §12.7, as LOOKUP's): empty is
    /// NFS4ERR_INVAL, past 255 bytes NFS4ERR_NAMETOOLONG, "." and ".." NFS4ERR_BADNAME.
    /// </summary>
    private static Nfsstat4 NameStatus(ReadOnlyMemory<byte> name) =>
        name.Length == 0 ? Nfsstat4.Nfs4errInval
        : name.Length > PosixRules.MaxNameLength ? Nfsstat4.Nfs4errNametoolong
        : name.Span.SequenceEqual("."u8) || name.Span.SequenceEqual(".."u8) ? Nfsstat4.Nfs4errBadname
        : Nfsstat4.Nfs4Ok;

    /// <summary>
    /// change_info4 (RFC 7530 §2.2, used by §16.4, §16.9, §16.26, §16.27) of a directory from the
    /// store's WCC data: the change attribute before and after. atomic is true when the store gave both, since it
    /// reads them inside the one operation that made the change; false when it could not read one.
    /// </summary>
    private static ChangeInfo4 ChangeInfo(in DittoFs.Storage.WccData wcc) => new()
    {
        Atomic = wcc.Before is not null && wcc.After is not null,
        Before = wcc.Before is { } before ? Fattr4Encoder.Change(before.ChangeTime) : 0UL,
        After = wcc.After is { } after ? Fattr4Encoder.Change(after) : 0UL,
    };
}
