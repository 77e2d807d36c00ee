using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// FSSTAT, FSINFO, PATHCONF: the file system a handle is in (one per share).
public sealed partial class NfsService
{
    /// <summary>FSINFO properties (RFC 1813 §3.3.19): hard links, symbolic links, one PATHCONF for all files, settable times.</summary>
    private const uint FileSystemProperties = Nfs3Constants.Fsf3Link | Nfs3Constants.Fsf3Symlink | Nfs3Constants.Fsf3Homogeneous | Nfs3Constants.Fsf3Cansettime;

    /// <summary>rtmult / wtmult: the block size clients should align transfers to.</summary>
    private const uint TransferMultiple = 4096;

    /// <summary>
    /// FSSTAT (RFC 1813 §3.3.18): space from the content store, file slots from the metadata store. invarsec is 0:
    /// the figures change at any time.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Fsstat3Res> FsstatAsync(Fsstat3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = Open(arguments.Fsroot, context, NfsV3Procedure.Fsstat, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Fsstat3Res { Status = status };
        }
        var stats = await target.FileSystem.GetStatsAsync(target.File, cancellationToken).ConfigureAwait(false);
        status = Outcome(stats.Status, NfsV3Procedure.Fsstat, target);
        var postOp = target.PostOp(stats.Value.File);
        var (space, files) = (stats.Value.Space, stats.Value.Files);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Fsstat3Res { Status = status, Resfail = new Fsstat3Resfail { ObjAttributes = postOp } };
        }
        return new Fsstat3Res
        {
            Status = status,
            Resok = new Fsstat3Resok
            {
                ObjAttributes = postOp,
                Tbytes = space.TotalBytes,
                Fbytes = space.FreeBytes,
                Abytes = space.AvailableBytes,
                Tfiles = files.TotalFiles,
                Ffiles = files.FreeFiles,
                Afiles = files.AvailableFiles,
                Invarsec = 0,
            },
        };
    }

    /// <summary>
    /// FSINFO (RFC 1813 §3.3.19): transfer sizes from <see cref="NfsServerOptions"/>, the stores' maximum file size,
    /// and a time granularity of 1 ns (stores keep nanoseconds).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Fsinfo3Res> FsinfoAsync(Fsinfo3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Fsroot, context, NfsV3Procedure.Fsinfo, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Fsinfo3Res { Status = status };
        }
        var attributes = await target.FileSystem.GetAttributesAsync(target.File, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(attributes.Status, NfsV3Procedure.Fsinfo, target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Fsinfo3Res { Status = status, Resfail = new Fsinfo3Resfail { ObjAttributes = default } };
        }
        return new Fsinfo3Res
        {
            Status = status,
            Resok = new Fsinfo3Resok
            {
                ObjAttributes = target.PostOp(attributes.Value),
                Rtmax = (uint)_options.MaxTransferSize,
                Rtpref = (uint)_options.PreferredTransferSize,
                Rtmult = TransferMultiple,
                Wtmax = (uint)_options.MaxTransferSize,
                Wtpref = (uint)_options.PreferredTransferSize,
                Wtmult = TransferMultiple,
                Dtpref = (uint)_options.PreferredDirectoryReadSize,
                Maxfilesize = PosixRules.MaxFileSize,
                TimeDelta = new Nfstime3 { Seconds = 0, Nseconds = 1 },
                Properties = FileSystemProperties,
            },
        };
    }

    /// <summary>
    /// PATHCONF (RFC 1813 §3.3.20): the POSIX limits the stores apply; names longer than name_max are refused
    /// (no_trunc), only root may chown (chown_restricted), and names are case-sensitive and case-preserving.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Pathconf3Res> PathconfAsync(Pathconf3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Object, context, NfsV3Procedure.Pathconf, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Pathconf3Res { Status = status };
        }
        var attributes = await target.FileSystem.GetAttributesAsync(target.File, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(attributes.Status, NfsV3Procedure.Pathconf, target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Pathconf3Res { Status = status, Resfail = new Pathconf3Resfail { ObjAttributes = default } };
        }
        return new Pathconf3Res
        {
            Status = status,
            Resok = new Pathconf3Resok
            {
                ObjAttributes = target.PostOp(attributes.Value),
                Linkmax = PosixRules.MaxLinkCount,
                NameMax = PosixRules.MaxNameLength,
                NoTrunc = true,
                ChownRestricted = true,
                CaseInsensitive = false,
                CasePreserving = true,
            },
        };
    }
}
