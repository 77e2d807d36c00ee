using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// GETATTR, ACCESS, READLINK, SECINFO, SECINFO_NO_NAME: reading about the current object.
public sealed partial class Nfs4Service
{
    /// <summary>The fsid of the pseudo file system; a share's is (share id, 0), as its v3 fsid is the share id.</summary>
    private static readonly Fsid4 PseudoFsid = new() { Major = 0, Minor = 1 };

    /// <summary>
    /// GETATTR (RFC 7530 §16.7): the asked attributes this server supports, in bitmap order; NFS4ERR_INVAL when a
    /// set-only attribute (time_access_set, time_modify_set) is asked for (RFC 7530 §5.5). The file system's figures are
    /// read from the stores (as v3's FSSTAT) only when asked for.
    /// </summary>
    private ValueTask<(NfsResop4, Nfsstat4)> GetAttributesAsync(Getattr4Args arguments, Nfs4Call call)
    {
        var requested = call.Words(arguments.AttrRequest);
        var described = DescribeAsync(call.Current, call, Fattr4Encoder.AsksFileSystemFigures(requested.Span));
        return described.IsCompletedSuccessfully ? new(Attributes(requested, described.Result, call)) : AttributesLaterAsync(requested, described, call);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>)), MethodImpl(MethodImplOptions.NoInlining)] // see DescribeAsync
    private async ValueTask<(NfsResop4, Nfsstat4)> AttributesLaterAsync(ReadOnlyMemory<uint> requested, ValueTask<Nfsstat4> described, Nfs4Call call) =>
        Attributes(requested, await described.ConfigureAwait(false), call);

    /// <summary>GETATTR's result once the object is described (in <see cref="Nfs4Call.Described"/>).</summary>
    private (NfsResop4, Nfsstat4) Attributes(ReadOnlyMemory<uint> requested, Nfsstat4 status, Nfs4Call call)
    {
        if (status == Nfsstat4.Nfs4Ok && AsksSetOnly(requested.Span))
        {
            status = Nfsstat4.Nfs4errInval;
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpGetattr, call, status);
            return (Failed(NfsOpnum4.OpGetattr, status), status);
        }
        var attributes = Fattr4Encoder.Encode(requested.Span, call.Described, call.MinorVersion, _options, call.Scratch);
        return (NfsResop4.FromOpgetattr(call.Scratch.Arm(new Getattr4Res { Status = status, Resok4 = new Getattr4Resok { ObjAttributes = attributes } })), status);
    }

    private static bool AsksSetOnly(ReadOnlySpan<uint> requested) =>
        Fattr4Encoder.IsSet(requested, Protocol.Nfs4ProtConstants.Fattr4TimeAccessSet) || Fattr4Encoder.IsSet(requested, Protocol.Nfs4ProtConstants.Fattr4TimeModifySet);

    /// <summary>
    /// ACCESS (RFC 7530 §16.1): the store's answer, less modify, extend and delete on a read-only export; in the pseudo
    /// file system, read and lookup (it cannot be changed).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> AccessAsync(Access4Args arguments, Nfs4Call call)
    {
        var requested = (AccessRights)arguments.Access & AccessRights.All;
        AccessRights granted;
        var status = Nfsstat4.Nfs4Ok;
        if (!call.Current.IsSet)
        {
            status = Nfsstat4.Nfs4errNofilehandle;
            granted = 0;
        }
        else if (call.Current.Pseudo is not null)
        {
            granted = requested & (AccessRights.Read | AccessRights.Lookup);
        }
        else
        {
            status = Target(call.Current, call, out var target);
            granted = 0;
            if (status == Nfsstat4.Nfs4Ok)
            {
                var result = await target.FileSystem.AccessAsync(target.Auth, target.File, requested, call.Context.CancellationToken).ConfigureAwait(false);
                status = StatusOf(result.Status);
                granted = result.Value.Granted;
                if (target.Share.Options.ReadOnly)
                {
                    granted &= ~(AccessRights.Modify | AccessRights.Extend | AccessRights.Delete);
                }
            }
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpAccess, call, status);
            return (Failed(NfsOpnum4.OpAccess, status), status);
        }
        var resok = new Access4Resok { Supported = (uint)requested, Access = (uint)granted };
        return (NfsResop4.FromOpaccess(call.Scratch.Arm(new Access4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>READLINK (RFC 7530 §16.25): NFS4ERR_INVAL for anything but a symbolic link.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> ReadLinkAsync(Nfs4Call call)
    {
        CallTarget target = default;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle
            : call.Current.Pseudo is not null ? Nfsstat4.Nfs4errInval
            : Target(call.Current, call, out target);
        if (status == Nfsstat4.Nfs4Ok)
        {
            var result = await target.FileSystem.ReadLinkAsync(target.Auth, target.File, call.Context.CancellationToken).ConfigureAwait(false);
            status = StatusOf(result.Status);
            if (status == Nfsstat4.Nfs4Ok)
            {
                return (NfsResop4.FromOpreadlink(call.Scratch.Arm(new Readlink4Res { Status = status, Resok4 = new Readlink4Resok { Link = result.Value.Target } })), status);
            }
        }
        LogIfFailed(NfsOpnum4.OpReadlink, call, status);
        return (Failed(NfsOpnum4.OpReadlink, status), status);
    }

    /// <summary>
    /// SECINFO (RFC 7530 §16.31): the flavours of the share <paramref name="name"/> is in (AUTH_SYS, AUTH_NONE as
    /// configured). In 4.1 it consumes the current filehandle (RFC 8881 §18.29.3).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> SecurityInfoAsync(Component4 name, Nfs4Call call)
    {
        var directory = call.Current;
        var (result, status) = await LookupAsync(new Lookup4Args { Objname = name }, call).ConfigureAwait(false);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (Failed(NfsOpnum4.OpSecinfo, status), status);
        }
        var flavors = FlavorsOf(call.Current);
        call.Current = call.MinorVersion == 0 ? directory : default;
        return (NfsResop4.FromOpsecinfo(call.Scratch.Arm(new Secinfo4Res { Status = status, Resok4 = flavors })), status);
    }

    /// <summary>SECINFO_NO_NAME (RFC 8881 §18.45): the flavours of the current filehandle (or its parent), consuming it.</summary>
    private (NfsResop4, Nfsstat4) SecurityInfoNoName(SecinfoStyle4 style, Nfs4Call call)
    {
        if (!call.Current.IsSet)
        {
            return (Failed(NfsOpnum4.OpSecinfoNoName, Nfsstat4.Nfs4errNofilehandle), Nfsstat4.Nfs4errNofilehandle);
        }
        var flavors = FlavorsOf(call.Current);
        call.Current = default;
        return (NfsResop4.FromOpsecinfoNoName(call.Scratch.Arm(new Secinfo4Res { Status = Nfsstat4.Nfs4Ok, Resok4 = flavors })), Nfsstat4.Nfs4Ok);
    }

    /// <summary>The share's flavours in order of preference; the pseudo file system takes both.</summary>
    private static Secinfo4[] FlavorsOf(in Nfs4Fh handle)
    {
        var flavors = handle.Share?.Options.AllowedAuthFlavors ?? [DittoFs.Storage.AuthFlavor.Sys, DittoFs.Storage.AuthFlavor.None];
        return flavors.Select(flavor => new Secinfo4 { Flavor = (uint)flavor }).ToArray();
    }

    /// <summary>
    /// Describes a filehandle's object into <see cref="Nfs4Call.Described"/> (what attributes are made of): a share file's
    /// inode (with its file system's figures when <paramref name="withFileSystem"/>), or a pseudo directory's made-up one (a
    /// file system with no space and no files). The status says whether it could.
    /// </summary>
    /// <remarks>
    /// The object (300 bytes) is kept in the call's state, not returned: a ValueTask of it, and the state machine of an
    /// async method holding store results and awaiters (kilobytes, with the store's code inlined), made a frame the runtime
    /// zeroed on every GETATTR. Not an async method either: the stores that answer at once (memory, cached RocksDB reads)
    /// take no state machine; the paths that wait are async methods kept out of line, or theirs would be in this frame.
    /// </remarks>
    private ValueTask<Nfsstat4> DescribeAsync(Nfs4Fh handle, Nfs4Call call, bool withFileSystem = false)
    {
        if (!handle.IsSet)
        {
            return new(Nfsstat4.Nfs4errNofilehandle);
        }
        if (handle.Pseudo is { } node)
        {
            call.Described = Describe(node) with { FileSystem = (default(SpaceStats), default(FileCountStats)) };
            return new(Nfsstat4.Nfs4Ok);
        }
        var status = Target(handle, call, out var target);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return new(status);
        }
        if (withFileSystem)
        {
            return DescribeWithFileSystemAsync(target, call);
        }
        var attributes = target.FileSystem.GetAttributesAsync(target.File, call.Context.CancellationToken);
        return attributes.IsCompletedSuccessfully ? new(Described(target.Share, attributes.Result, call)) : DescribeLaterAsync(target.Share, attributes, call);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>)), MethodImpl(MethodImplOptions.NoInlining)]
    private async ValueTask<Nfsstat4> DescribeLaterAsync(Share share, ValueTask<StoreResult<InodeAttributes>> attributes, Nfs4Call call) =>
        Described(share, await attributes.ConfigureAwait(false), call);

    private Nfsstat4 Described(Share share, in StoreResult<InodeAttributes> attributes, Nfs4Call call)
    {
        if (!attributes.IsOk)
        {
            return StatusOf(attributes.Status);
        }
        call.Described = Describe(share, attributes.Value);
        return Nfsstat4.Nfs4Ok;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>)), MethodImpl(MethodImplOptions.NoInlining)]
    private async ValueTask<Nfsstat4> DescribeWithFileSystemAsync(CallTarget target, Nfs4Call call)
    {
        var stats = await target.FileSystem.GetStatsAsync(target.File, call.Context.CancellationToken).ConfigureAwait(false);
        if (!stats.IsOk)
        {
            return StatusOf(stats.Status);
        }
        call.Described = Describe(target.Share, stats.Value.File) with { FileSystem = (stats.Value.Space, stats.Value.Files) };
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>A share file: fsid (share id, 0); a share's root is mounted on its pseudo directory.</summary>
    internal Nfs4Object Describe(Share share, in InodeAttributes inode)
    {
        ulong mountedOn = inode.FileId == share.Root.FileId ? _pseudo.NodeOf(share).Id : inode.FileId;
        return new Nfs4Object(inode, new Fsid4 { Major = share.Id, Minor = 0 }, new FileHandle(share.Id, inode.Ref).ToOpaque(), mountedOn);
    }

    /// <summary>A pseudo directory: read-only (0555), owned by root, times of the server's start.</summary>
    private Nfs4Object Describe(PseudoNode node) => new(
        new InodeAttributes
        {
            Type = FileType.Directory,
            Mode = 0x16D,
            LinkCount = 2 + (uint)node.Children.Count,
            Size = PosixRules.DirectorySize,
            FileId = node.Id,
            AccessTime = _started,
            ModifyTime = _started,
            ChangeTime = _started,
        },
        PseudoFsid, node.Handle(), node.Id);
}
