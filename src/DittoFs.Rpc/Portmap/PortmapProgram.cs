using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// The portmapper as an RPC program: the generated dispatcher over <see cref="PortmapService"/>, except that
/// PMAPPROC_CALLIT is answered PROC_UNAVAIL (see <see cref="PortmapService.CallitAsync"/>).
/// </summary>
public sealed class PortmapProgram : IXdrProgram<RpcCallContext>
{
    private static readonly ValueTask<XdrDispatchResult> Unavailable = new(XdrDispatchResult.ProcedureUnavailable);
    private readonly PmapV2Dispatcher<RpcCallContext> _dispatcher;

    private PortmapProgram(PortmapService service) => _dispatcher = new PmapV2Dispatcher<RpcCallContext>(service);

    public static IXdrProgram<RpcCallContext> Create(PortmapService service) => new PortmapProgram(service);

    public uint Program => PmapV2Program.Program;
    public uint Version => PmapV2Program.Version;

    public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results) =>
        procedure == (uint)PmapV2Procedure.Callit ? Unavailable : _dispatcher.DispatchAsync(procedure, arguments, context, results);
}
