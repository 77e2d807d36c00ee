using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>Composes the MOUNT v3 and NFSv3 services for the RPC server.</summary>
public static class NfsPrograms
{
    /// <summary>
    /// The programs to register with the RPC server: MOUNT v3 (100005) and NFS v3 (100003), sharing one share table.
    /// </summary>
    public static IReadOnlyList<IXdrProgram<RpcCallContext>> Create(ShareTable shares, NfsServerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return
        [
            new MountV3Dispatcher<RpcCallContext>(new MountService(shares, options, loggerFactory.CreateLogger<MountService>())),
            new NfsV3Dispatcher<RpcCallContext>(new NfsService(shares, options, loggerFactory.CreateLogger<NfsService>())),
        ];
    }

    /// <summary>
    /// The procedures whose retransmission must not run again (RFC 1813 §4.6 on non-idempotent operations): for
    /// the RPC server's duplicate request cache. WRITE is left out: repeating it writes the same bytes again.
    /// </summary>
    public static bool IsNonIdempotent(uint program, uint version, uint procedure) =>
        program == NfsV3Program.Program && version == NfsV3Program.Version && (NfsV3Procedure)procedure is
            NfsV3Procedure.Setattr or NfsV3Procedure.Create or NfsV3Procedure.Mkdir or NfsV3Procedure.Symlink or
            NfsV3Procedure.Mknod or NfsV3Procedure.Remove or NfsV3Procedure.Rmdir or NfsV3Procedure.Rename or NfsV3Procedure.Link;
}
