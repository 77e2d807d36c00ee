using System.Net;
using DittoFs.Protocol;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// The port mapper's database in rpcbind's terms (RFC 1833 §2.1): which universal address serves (program, version,
/// network id), netid "tcp"/"udp" for IPv4 and "tcp6"/"udp6" for IPv6. Portmap version 2 (§3) sees the "tcp" and
/// "udp" rows as (program, version, protocol, port). Thread-safe; small (a few dozen entries), so a list under a lock
/// is all it needs.
/// </summary>
public sealed class PortmapTable
{
    private readonly Lock _lock = new();
    private readonly List<RpcbindEntry> _entries = [];

    /// <summary>RPCBPROC_SET: adds the entry; false if (program, version, netid) is mapped already, to any address.</summary>
    public bool Set(RpcbindEntry entry)
    {
        lock (_lock)
        {
            if (_entries.Exists(e => e.Program == entry.Program && e.Version == entry.Version && e.Netid == entry.Netid))
                return false;
            _entries.Add(entry);
            return true;
        }
    }

    /// <summary>
    /// PMAPPROC_SET: the mapping as netid "tcp" or "udp" at every IPv4 address ("0.0.0.0.p1.p2"), as rpcbind stores a
    /// version 2 registration; false if that row exists already or the protocol is neither TCP nor UDP.
    /// </summary>
    public bool Set(Mapping mapping, string owner = "unknown") =>
        RpcbindEntry.NetidOf(mapping.Prot, ipv6: false) is { } netid
        && Set(new RpcbindEntry(mapping.Prog, mapping.Vers, netid, UniversalAddress.Of(IPAddress.Any, mapping.Port), owner));

    /// <summary>RPCBPROC_UNSET: removes (program, version) for <paramref name="netid"/>, or for every netid when it is ""; false if there was none.</summary>
    public bool Unset(uint program, uint version, string netid)
    {
        lock (_lock)
            return _entries.RemoveAll(e => e.Program == program && e.Version == version && (netid.Length == 0 || e.Netid == netid)) > 0;
    }

    /// <summary>PMAPPROC_UNSET: removes the IPv4 rows ("tcp" and "udp") of (program, version), as rpcbind does; false if there was none.</summary>
    public bool Unset(uint program, uint version)
    {
        lock (_lock)
            return _entries.RemoveAll(e => e.Program == program && e.Version == version && e.Netid is "tcp" or "udp") > 0;
    }

    /// <summary>RPCBPROC_GETADDR: the universal address of exactly (program, version, netid), null if it is not registered.</summary>
    public string? AddressOf(uint program, uint version, string netid)
    {
        lock (_lock)
            return _entries.Find(e => e.Program == program && e.Version == version && e.Netid == netid)?.Address;
    }

    /// <summary>PMAPPROC_GETPORT: the port of the "tcp" or "udp" row of (program, version), 0 if it is not registered.</summary>
    public uint GetPort(uint program, uint version, uint protocol) =>
        RpcbindEntry.NetidOf(protocol, ipv6: false) is { } netid && AddressOf(program, version, netid) is { } address ? UniversalAddress.PortOf(address) : 0;

    /// <summary>RPCBPROC_DUMP: every entry, in the order they were set.</summary>
    public RpcbindEntry[] Entries()
    {
        lock (_lock)
            return [.. _entries];
    }

    /// <summary>PMAPPROC_DUMP: the "tcp" and "udp" rows as mappings, in the order they were set.</summary>
    public Mapping[] Snapshot() =>
        [.. Entries().Where(e => e.Netid is "tcp" or "udp").Select(e => new Mapping
        {
            Prog = e.Program,
            Vers = e.Version,
            Prot = e.Netid == "tcp" ? (uint)PortmapConstants.IpprotoTcp : (uint)PortmapConstants.IpprotoUdp,
            Port = UniversalAddress.PortOf(e.Address),
        })];
}

/// <summary>One rpcbind row: a program version reachable over <see cref="Netid"/> at <see cref="Address"/> (a universal address), registered by <see cref="Owner"/>.</summary>
public sealed record RpcbindEntry(uint Program, uint Version, string Netid, string Address, string Owner)
{
    /// <summary>"tcp"/"udp" (or "tcp6"/"udp6") for IPPROTO_TCP/IPPROTO_UDP; null for any other protocol.</summary>
    public static string? NetidOf(uint protocol, bool ipv6) => protocol switch
    {
        (uint)PortmapConstants.IpprotoTcp => ipv6 ? "tcp6" : "tcp",
        (uint)PortmapConstants.IpprotoUdp => ipv6 ? "udp6" : "udp",
        _ => null,
    };
}
