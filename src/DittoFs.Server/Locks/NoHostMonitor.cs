using System.Net;
using DittoFs.Nfs.Nsm;

namespace DittoFs.Server.Locks;

/// <summary>
/// The status monitor the lock manager gets while the server has no NSM of its own: it watches nothing, so client
/// reboots are not noticed (their locks stay until FREE_ALL, an unlock, or this server's restart) and this server's
/// restarts are not announced. The NSM service (program 100024) replaces it in <see cref="DittoServer"/>.
/// </summary>
internal sealed class NoHostMonitor : IHostMonitor
{
    public int State => 1;

    public event Action<HostReboot>? HostRebooted
    {
        add { }
        remove { }
    }

    public ValueTask MonitorAsync(string hostName, IPAddress address, CancellationToken cancellationToken = default) => default;

    public ValueTask UnmonitorAsync(string hostName, CancellationToken cancellationToken = default) => default;
}
