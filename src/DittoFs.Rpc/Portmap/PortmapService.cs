using System.Net;
using DittoFs.Protocol;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// The port mapper, program 100000 version 2 (RFC 1833 §3), over a <see cref="PortmapTable"/> it shares with
/// <see cref="RpcbindService"/> (versions 3 and 4). Anyone may ask
/// (GETPORT, DUMP); only callers on this machine (loopback) may change the table (SET, UNSET), as rpcbind and
/// portmap allow, since a remote SET would let anyone redirect clients to a port of their choosing.
/// Serve it through <see cref="PortmapProgram.Create"/>, which also answers CALLIT.
/// </summary>
public sealed partial class PortmapService(PortmapTable table, ILogger<PortmapService> logger) : IPmapV2<RpcCallContext>
{
    public ValueTask NullAsync(RpcCallContext context) => default;

    public ValueTask<bool> SetAsync(Mapping arguments, RpcCallContext context)
    {
        if (!IsLocal(context.Client))
        {
            LogRemoteChangeRefused(logger, "SET", arguments.Prog, arguments.Vers, context.Client);
            return new(false);
        }
        bool added = table.Set(arguments);
        LogSet(arguments.Prog, arguments.Vers, arguments.Prot, arguments.Port, added);
        return new(added);
    }

    public ValueTask<bool> UnsetAsync(Mapping arguments, RpcCallContext context)
    {
        if (!IsLocal(context.Client))
        {
            LogRemoteChangeRefused(logger, "UNSET", arguments.Prog, arguments.Vers, context.Client);
            return new(false);
        }
        return new(table.Unset(arguments.Prog, arguments.Vers));
    }

    public ValueTask<uint> GetportAsync(Mapping arguments, RpcCallContext context) =>
        new(table.GetPort(arguments.Prog, arguments.Vers, arguments.Prot));

    public ValueTask<XdrList<Pmaplist, Pmaplist>> DumpAsync(RpcCallContext context) =>
        new(table.Snapshot().Select(mapping => new Pmaplist { Map = mapping }).ToArray());

    /// <summary>
    /// Never called: <see cref="PortmapProgram"/> answers CALLIT with PROC_UNAVAIL before dispatch. Forwarding calls
    /// to other programs is a UDP broadcast feature (RFC 1833 §3.2) and a known amplification and spoofing vector.
    /// </summary>
    public ValueTask<CallResult> CallitAsync(CallArgs arguments, RpcCallContext context) =>
        throw new NotSupportedException("PMAPPROC_CALLIT is answered with PROC_UNAVAIL by PortmapProgram.");

    /// <summary>Whether a caller is on this machine (loopback, IPv4-mapped included): only they may change the table.</summary>
    internal static bool IsLocal(IPEndPoint? client) =>
        client is not null && IPAddress.IsLoopback(client.Address.IsIPv4MappedToIPv6 ? client.Address.MapToIPv4() : client.Address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Portmapper {Procedure} of program {Program} version {Version} from {Client} refused: only local callers may change mappings")]
    internal static partial void LogRemoteChangeRefused(ILogger logger, string procedure, uint program, uint version, IPEndPoint? client);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Portmapper SET program {Program} version {Version} protocol {Protocol} port {Port}: {Added}")]
    private partial void LogSet(uint program, uint version, uint protocol, uint port, bool added);
}
