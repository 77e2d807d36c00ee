using System.Collections.Concurrent;
using System.Text;
using DittoFs.Protocol;

namespace DittoFs.Nfs;

/// <summary>
/// Who has mounted what, for MOUNT DUMP (RFC 1813 §5.2.2): added by MNT, removed by UMNT and UMNTALL. Advisory
/// only, as the RFC says: clients that crash never unmount, and nothing depends on the list. Kept in memory.
/// </summary>
internal sealed class MountList
{
    private readonly ConcurrentDictionary<Mount, byte> _mounts = new();

    public void Add(string host, string exportPath) => _mounts.TryAdd(new Mount(host, exportPath), 0);

    public void Remove(string host, string exportPath) => _mounts.TryRemove(new Mount(host, exportPath), out _);

    public void RemoveHost(string host)
    {
        foreach (var mount in _mounts.Keys)
        {
            if (mount.Host == host)
            {
                _mounts.TryRemove(mount, out _);
            }
        }
    }

    /// <summary>The DUMP reply: one mountbody per mount, by host then path.</summary>
    public Mountbody[] ToMountBodies() =>
        _mounts.Keys
            .OrderBy(mount => mount.Host, StringComparer.Ordinal)
            .ThenBy(mount => mount.ExportPath, StringComparer.Ordinal)
            .Select(mount => new Mountbody { MlHostname = Encoding.UTF8.GetBytes(mount.Host), MlDirectory = Encoding.UTF8.GetBytes(mount.ExportPath) })
            .ToArray();

    private readonly record struct Mount(string Host, string ExportPath);
}
