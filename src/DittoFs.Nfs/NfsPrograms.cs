using DittoFs.Nfs.Nsm;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>Composes the MOUNT v3, NFSv3 and NSM v1 services for the RPC server.</summary>
public static class NfsPrograms
{
    /// <summary>
    /// The programs to register with the RPC server: MOUNT v3 (100005) and NFS v3 (100003), sharing one share table.
    /// <paramref name="decorateNfs"/>, if given, wraps the NFS service between dispatcher and <see cref="NfsService"/>
    /// (metrics: it sees each call's typed result, and <see cref="NfsService.ShareOf"/> gives the call's share).
    /// With <paramref name="statusMonitor"/>, the status monitor is served too (NSM, 100024 v1, <see cref="NsmService"/>);
    /// the lock manager takes the same instance as its <see cref="IHostMonitor"/>.
    /// </summary>
    /// <param name="nfs4">With it, NFSv4.0/4.1 (100003 v4, <see cref="Nfs4Service"/>) is served beside v3, its clients recorded
    /// there; <paramref name="tellWoken"/> hands it the lock manager's callbacks for NLM waiters a v4 unlock frees;
    /// <paramref name="observeNfs4"/> sees each v4 operation that ran and the status of its result (metrics).</param>
    public static IReadOnlyList<IXdrProgram<RpcCallContext>> Create(ShareTable shares, NfsServerOptions options, ILoggerFactory loggerFactory,
        Func<INfsV3<RpcCallContext>, INfsV3<RpcCallContext>>? decorateNfs = null, StatusMonitor? statusMonitor = null,
        Nfs4ClientRecords? nfs4 = null, Action<IReadOnlyList<DittoFs.Vfs.Locks.LockGrant>>? tellWoken = null, Action<NfsOpnum4, Nfsstat4>? observeNfs4 = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var v3 = new NfsService(shares, options, loggerFactory.CreateLogger<NfsService>());
        INfsV3<RpcCallContext> nfs = v3;
        if (decorateNfs is not null)
        {
            nfs = decorateNfs(nfs);
        }
        var programs = new List<IXdrProgram<RpcCallContext>>
        {
            new MountV3Dispatcher<RpcCallContext>(new MountService(shares, options, loggerFactory.CreateLogger<MountService>())),
            new NfsV3Dispatcher<RpcCallContext>(nfs),
        };
        if (nfs4 is not null)
            programs.Add(new Nfs4Dispatcher<RpcCallContext>(new Nfs4Service(shares, options, loggerFactory.CreateLogger<Nfs4Service>(),
                writeVerifier: v3.WriteVerifier, tellWoken: tellWoken, records: nfs4, observeOperation: observeNfs4)));
        if (statusMonitor is not null)
            programs.Add(new SmV1Dispatcher<RpcCallContext>(new NsmService(statusMonitor, loggerFactory.CreateLogger<NsmService>())));
        return programs;
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
