using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

// PUTROOTFH, PUTPUBFH, PUTFH, GETFH, SAVEFH, RESTOREFH, LOOKUP, LOOKUPP: moving the current filehandle.
public sealed partial class Nfs4Service
{
    private static readonly ReadOnlyMemory<byte> DotDot = ".."u8.ToArray();

    /// <summary>PUTROOTFH and PUTPUBFH (RFC 7530 §16.22, §16.21): the root of the pseudo file system is also the public one.</summary>
    private (NfsResop4, Nfsstat4) PutRoot(NfsOpnum4 operation, Nfs4Call call)
    {
        call.Current = Nfs4Fh.Of(_pseudo.Root);
        return (Failed(operation, Nfsstat4.Nfs4Ok), Nfsstat4.Nfs4Ok);
    }

    /// <summary>
    /// PUTFH (RFC 7530 §16.20): NFS4ERR_BADHANDLE for a handle this server cannot have made, NFS4ERR_STALE for one of a
    /// share no longer exported; a share that does not admit the caller answers as for every operation on it.
    /// </summary>
    private (NfsResop4, Nfsstat4) PutFh(in Putfh4Args arguments, Nfs4Call call)
    {
        var status = Resolve(arguments.Object.Value.Span, call, out var handle);
        if (status == Nfsstat4.Nfs4Ok)
        {
            call.Current = handle;
        }
        return (Failed(NfsOpnum4.OpPutfh, status), status);
    }

    /// <summary>GETFH (RFC 7530 §16.8): the current filehandle's bytes.</summary>
    private (NfsResop4, Nfsstat4) GetFh(Nfs4Call call)
    {
        if (!call.Current.IsSet)
        {
            return (Failed(NfsOpnum4.OpGetfh, Nfsstat4.Nfs4errNofilehandle), Nfsstat4.Nfs4errNofilehandle);
        }
        var result = new Getfh4Res { Status = Nfsstat4.Nfs4Ok, Resok4 = new Getfh4Resok { Object = (ReadOnlyMemory<byte>)HandleOf(call.Current) } };
        return (NfsResop4.FromOpgetfh(call.Scratch.Arm(result)), Nfsstat4.Nfs4Ok);
    }

    /// <summary>SAVEFH (RFC 7530 §16.30).</summary>
    private (NfsResop4, Nfsstat4) SaveFh(Nfs4Call call)
    {
        if (!call.Current.IsSet)
        {
            return (Failed(NfsOpnum4.OpSavefh, Nfsstat4.Nfs4errNofilehandle), Nfsstat4.Nfs4errNofilehandle);
        }
        call.Saved = call.Current;
        return (Failed(NfsOpnum4.OpSavefh, Nfsstat4.Nfs4Ok), Nfsstat4.Nfs4Ok);
    }

    /// <summary>RESTOREFH (RFC 7530 §16.29): NFS4ERR_RESTOREFH when nothing was saved.</summary>
    private (NfsResop4, Nfsstat4) RestoreFh(Nfs4Call call)
    {
        if (!call.Saved.IsSet)
        {
            return (Failed(NfsOpnum4.OpRestorefh, Nfsstat4.Nfs4errRestorefh), Nfsstat4.Nfs4errRestorefh);
        }
        call.Current = call.Saved;
        return (Failed(NfsOpnum4.OpRestorefh, Nfsstat4.Nfs4Ok), Nfsstat4.Nfs4Ok);
    }

    /// <summary>
    /// LOOKUP (RFC 7530 §16.13): in the pseudo file system, a child directory or the root of the share exported there
    /// (shares that do not admit the caller are not there for it); in a share, the store's lookup. An empty name is
    /// NFS4ERR_INVAL, "." and ".." NFS4ERR_BADNAME (LOOKUPP goes up), a name past 255 bytes NFS4ERR_NAMETOOLONG.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> LookupAsync(Lookup4Args arguments, Nfs4Call call)
    {
        var name = arguments.Objname.Value;
        var status = !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle : NameStatus(name);
        if (status == Nfsstat4.Nfs4Ok)
        {
            if (call.Current.Pseudo is { } directory)
            {
                var child = directory.Child(name.Span);
                status = child is not null && IsVisible(child, call) ? Nfsstat4.Nfs4Ok : Nfsstat4.Nfs4errNoent;
                if (status == Nfsstat4.Nfs4Ok)
                {
                    call.Current = Nfs4Fh.Of(child!);
                }
            }
            else
            {
                status = Target(call.Current, call, out var target);
                if (status == Nfsstat4.Nfs4Ok)
                {
                    var result = await target.FileSystem.LookupAsync(target.Auth, target.File, name, call.Context.CancellationToken).ConfigureAwait(false);
                    status = StatusOf(result.Status);
                    if (status == Nfsstat4.Nfs4Ok)
                    {
                        call.Current = new Nfs4Fh(null, target.Share, result.Value.File.Ref);
                    }
                }
            }
        }
        LogIfFailed(NfsOpnum4.OpLookup, call, status);
        return (Failed(NfsOpnum4.OpLookup, status), status);
    }

    /// <summary>
    /// LOOKUPP (RFC 7530 §16.14): the parent directory; from a share's root, the pseudo directory it is exported in;
    /// NFS4ERR_NOENT above the root.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> LookupParentAsync(Nfs4Call call)
    {
        var current = call.Current;
        Nfsstat4 status;
        if (!current.IsSet)
        {
            status = Nfsstat4.Nfs4errNofilehandle;
        }
        else if (current.Pseudo is { } directory)
        {
            status = directory.Parent is null ? Nfsstat4.Nfs4errNoent : Nfsstat4.Nfs4Ok;
            if (directory.Parent is { } parent)
            {
                call.Current = Nfs4Fh.Of(parent);
            }
        }
        else if (current.File.FileId == current.Share!.Root.FileId)
        {
            var mountPoint = _pseudo.NodeOf(current.Share);
            status = mountPoint.Parent is null ? Nfsstat4.Nfs4errNoent : Nfsstat4.Nfs4Ok;
            if (mountPoint.Parent is { } parent)
            {
                call.Current = new Nfs4Fh(parent, null, default);
            }
        }
        else
        {
            status = Target(current, call, out var target);
            if (status == Nfsstat4.Nfs4Ok)
            {
                var result = await target.FileSystem.LookupAsync(target.Auth, target.File, DotDot, call.Context.CancellationToken).ConfigureAwait(false);
                status = StatusOf(result.Status);
                if (status == Nfsstat4.Nfs4Ok)
                {
                    call.Current = new Nfs4Fh(null, target.Share, result.Value.File.Ref);
                }
            }
        }
        LogIfFailed(NfsOpnum4.OpLookupp, call, status);
        return (Failed(NfsOpnum4.OpLookupp, status), status);
    }

    /// <summary>
    /// The filehandle <paramref name="bytes"/> names: a pseudo directory's, or a share file's (the same handle NFSv3
    /// hands out for that file).
    /// </summary>
    private Nfsstat4 Resolve(ReadOnlySpan<byte> bytes, Nfs4Call call, out Nfs4Fh handle)
    {
        handle = default;
        if (_pseudo.TryParse(bytes, out var node))
        {
            handle = Nfs4Fh.Of(node);
            return Nfsstat4.Nfs4Ok;
        }
        var parsed = FileHandle.TryParse(bytes, out var file);
        if (parsed == Nfsstat3.Nfs3errBadhandle || bytes.Length > 0 && bytes[0] == PseudoFileSystem.HandleFormat)
        {
            return Nfsstat4.Nfs4errBadhandle;
        }
        if (parsed != Nfsstat3.Nfs3Ok || !_shares.TryGet(file.ShareId, out var share))
        {
            return Nfsstat4.Nfs4errStale;
        }
        handle = new Nfs4Fh(null, share, file.File.Within(share.Root));
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>
    /// The call's view of a share file: NFS4ERR_WRONGSEC when the share does not take the call's flavour (so the client
    /// asks SECINFO), NFS4ERR_ACCESS when it does not admit the client's address or port.
    /// </summary>
    private Nfsstat4 Target(in Nfs4Fh handle, Nfs4Call call, out CallTarget target)
    {
        var share = handle.Share!;
        var flavor = CallerIdentities.FlavorOf(call.Context);
        if (!share.Options.Allows(call.Context.Client, flavor))
        {
            target = default;
            return share.Options.AllowedAuthFlavors.Contains(flavor) ? Nfsstat4.Nfs4errAccess : Nfsstat4.Nfs4errWrongsec;
        }
        target = new CallTarget(share, handle.File, _identities.For(call.Context, share.Options));
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>Whether a pseudo directory leads the caller to a share that admits it (others are hidden from it).</summary>
    private bool IsVisible(PseudoNode node, Nfs4Call call)
    {
        if (node.Share is { } share)
        {
            return share.Options.Allows(call.Context.Client, CallerIdentities.FlavorOf(call.Context));
        }
        foreach (var child in node.Children)
        {
            if (IsVisible(child, call))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] HandleOf(in Nfs4Fh handle) =>
        handle.Pseudo is { } node ? node.Handle() : new FileHandle(handle.Share!.Id, handle.File).ToOpaque().ToArray();

    private void LogIfFailed(NfsOpnum4 operation, Nfs4Call call, Nfsstat4 status)
    {
        if (status != Nfsstat4.Nfs4Ok && _logger.IsEnabled(LogLevel.Debug))
            LogFailure(WireName.Of(operation), call.Current, WireName.Of(status));
    }
}
