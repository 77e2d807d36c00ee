using System.Net;
using System.Net.Sockets;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// rpcbind versions 3 and 4 (RFC 1833 §2) over the same <see cref="PortmapTable"/> as <see cref="PortmapService"/>:
/// what rpcinfo, libtirpc and libnfs ask for IPv6 transports ("tcp6", "udp6"), which version 2 cannot name. The two
/// versions share these procedures, so one service answers both. As there, anyone may ask (GETADDR, DUMP) and only
/// callers on this machine may change the table (SET, UNSET).
/// </summary>
public sealed class RpcbindService(PortmapTable table, ILogger<RpcbindService> logger) : IRpcbV3<RpcCallContext>, IRpcbV4<RpcCallContext>
{
    /// <summary>The dispatchers of versions 3 and 4, to serve beside portmap version 2's.</summary>
    public IEnumerable<IXdrProgram<RpcCallContext>> Programs() =>
        [new RpcbV3Dispatcher<RpcCallContext>(this), new RpcbV4Dispatcher<RpcCallContext>(this)];

    public ValueTask NullAsync(RpcCallContext context) => default;

    public ValueTask<bool> SetAsync(Rpcb arguments, RpcCallContext context)
    {
        if (!PortmapService.IsLocal(context.Client))
        {
            PortmapService.LogRemoteChangeRefused(logger, "SET", arguments.RProg, arguments.RVers, context.Client);
            return new(false);
        }
        string netid = Text(arguments.RNetid), address = Text(arguments.RAddr);
        // An address rpcbind could not give back in a usable form would send clients nowhere.
        if (netid.Length == 0 || !UniversalAddress.TryParse(address, out _, out _))
            return new(false);
        return new(table.Set(new RpcbindEntry(arguments.RProg, arguments.RVers, netid, address, Text(arguments.ROwner))));
    }

    public ValueTask<bool> UnsetAsync(Rpcb arguments, RpcCallContext context)
    {
        if (!PortmapService.IsLocal(context.Client))
        {
            PortmapService.LogRemoteChangeRefused(logger, "UNSET", arguments.RProg, arguments.RVers, context.Client);
            return new(false);
        }
        return new(table.Unset(arguments.RProg, arguments.RVers, Text(arguments.RNetid)));
    }

    /// <summary>
    /// "" when (program, version, netid) is not registered (RFC 1833 §2.2), else its address as the caller can use it
    /// (<see cref="AddressFor"/>). No netid means the one the caller asks over, as rpcbind takes it (libnfs sends none).
    /// </summary>
    public ValueTask<Uaddr> GetaddrAsync(Rpcb arguments, RpcCallContext context)
    {
        string netid = Text(arguments.RNetid);
        if (netid.Length == 0 && context.Client is { } client)
            netid = RpcbindEntry.NetidOf(context.OverUdp ? (uint)PortmapConstants.IpprotoUdp : (uint)PortmapConstants.IpprotoTcp,
                ipv6: client.AddressFamily == AddressFamily.InterNetworkV6)!;
        string? address = table.AddressOf(arguments.RProg, arguments.RVers, netid);
        return new(Encoding.ASCII.GetBytes(address is null ? "" : AddressFor(address, netid, context)));
    }

    public ValueTask<XdrList<Rpcblist, Rpcblist>> DumpAsync(RpcCallContext context) =>
        new(table.Entries().Select(entry => new Rpcblist
        {
            RpcbMap = new Rpcb
            {
                RProg = entry.Program,
                RVers = entry.Version,
                RNetid = Encoding.ASCII.GetBytes(entry.Netid),
                RAddr = Encoding.ASCII.GetBytes(entry.Address),
                ROwner = Encoding.ASCII.GetBytes(entry.Owner),
            },
        }).ToArray());

    /// <summary>
    /// A registered address as the caller can use it: one at every address ("0.0.0.0", "::") becomes the address the
    /// caller reached us on when that is of the netid's family, as rpcbind's own merge does — a client told "::" would
    /// connect to itself. Over UDP on every address that is unknown; a caller on this host then gets the loopback.
    /// </summary>
    internal static string AddressFor(string registered, string netid, RpcCallContext context)
    {
        if (!UniversalAddress.TryParse(registered, out var host, out uint port) || !(host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any)))
            return registered;
        var family = netid.EndsWith('6') ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (context.LocalEndPoint?.Address is { } local && !local.Equals(IPAddress.Any) && !local.Equals(IPAddress.IPv6Any))
            return local.AddressFamily == family ? UniversalAddress.Of(local, port) : registered;
        if (PortmapService.IsLocal(context.Client))
            return UniversalAddress.Of(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port);
        return registered;
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.ASCII.GetString(bytes.Span);
}
