using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Nlm;

/// <summary>Composes the NLM programs (100021 versions 1, 3 and 4) over one <see cref="NlmService"/>.</summary>
public static class NlmPrograms
{
    /// <summary>The NLM versions served: 1 and 3 (32-bit ranges) and 4.</summary>
    public static readonly uint[] Versions = [NlmV1Program.Version, NlmV3Program.Version, NlmV4Program.Version];

    public static IReadOnlyList<IXdrProgram<RpcCallContext>> Create(NlmService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var legacy = new NlmLegacyService(service);
        return
        [
            new NlmV1Dispatcher<RpcCallContext>(legacy),
            new NlmV3Dispatcher<RpcCallContext>(legacy),
            new NlmV4Dispatcher<RpcCallContext>(service),
        ];
    }
}
