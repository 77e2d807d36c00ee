using DittoFs.Protocol;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// The port mapper's database (RFC 1833 §3.2): which port serves (program, version, protocol). Thread-safe; small
/// (a handful of entries), so a list under a lock is all it needs.
/// </summary>
public sealed class PortmapTable
{
    private readonly Lock _lock = new();
    private readonly List<Mapping> _mappings = [];

    /// <summary>PMAPPROC_SET: adds the mapping; false if (program, version, protocol) is mapped already, to any port.</summary>
    public bool Set(Mapping mapping)
    {
        lock (_lock)
        {
            if (_mappings.Exists(m => m.Prog == mapping.Prog && m.Vers == mapping.Vers && m.Prot == mapping.Prot))
                return false;
            _mappings.Add(mapping);
            return true;
        }
    }

    /// <summary>PMAPPROC_UNSET: removes every mapping of (program, version), whatever its protocol; false if there was none.</summary>
    public bool Unset(uint program, uint version)
    {
        lock (_lock)
            return _mappings.RemoveAll(m => m.Prog == program && m.Vers == version) > 0;
    }

    /// <summary>PMAPPROC_GETPORT: the port of exactly (program, version, protocol), 0 if it is not registered.</summary>
    public uint GetPort(uint program, uint version, uint protocol)
    {
        lock (_lock)
        {
            foreach (var mapping in _mappings)
            {
                if (mapping.Prog == program && mapping.Vers == version && mapping.Prot == protocol)
                    return mapping.Port;
            }
            return 0;
        }
    }

    /// <summary>PMAPPROC_DUMP: every mapping, in the order they were set.</summary>
    public Mapping[] Snapshot()
    {
        lock (_lock)
            return [.. _mappings];
    }
}
