using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>Composes the MOUNT v3 and NFSv3 services for the RPC server.</summary>
public static class NfsPrograms
{
    /// <summary>The programs to register with the RPC server: MOUNT v3 (100005) and NFS v3 (100003), sharing one share table.</summary>
    public static IReadOnlyList<IXdrProgram<RpcCallContext>> Create(ShareTable shares, NfsServerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return
        [
            new MountV3Dispatcher<RpcCallContext>(new MountService(shares, options, loggerFactory.CreateLogger<MountService>())),
            new NfsV3Dispatcher<RpcCallContext>(new NfsService(shares, options, loggerFactory.CreateLogger<NfsService>())),
        ];
    }
}
