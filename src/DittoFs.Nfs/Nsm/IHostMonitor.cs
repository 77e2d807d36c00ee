using System.Net;

namespace DittoFs.Nfs.Nsm;

/// <summary>
/// The server's status monitor (NSM, XNFS chapter 11) as its lock manager (NLM) uses it: which client hosts to
/// watch for reboots. The lock manager monitors a host before it first tries to lock for it, and stops watching
/// hosts that hold nothing when the list is full; the monitor keeps the list on stable storage, tells every listed host when this server restarts
/// (SM_NOTIFY with <see cref="State"/>, so their lock managers reclaim during the grace period), and raises
/// <see cref="HostRebooted"/> when a listed host says it restarted, so the lock manager drops what the host held.
/// </summary>
public interface IHostMonitor
{
    /// <summary>This server's NSM state number: odd while up, raised at every start and kept on stable storage.</summary>
    int State { get; }

    /// <summary>
    /// Watches <paramref name="hostName"/> (NLM caller_name, NSM mon_name) for reboots, durably before it returns.
    /// <paramref name="address"/> is where the host's calls come from: this server's SM_NOTIFY goes to the host's
    /// NSM there, and a reboot notice naming the host is believed only from it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The list is full; the host is not watched.</exception>
    ValueTask MonitorAsync(string hostName, IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>Stops watching <paramref name="hostName"/>; nothing if it was not watched.</summary>
    ValueTask UnmonitorAsync(string hostName, CancellationToken cancellationToken = default);

    /// <summary>A watched host restarted (its NSM sent SM_NOTIFY with a new state): drop all it held.</summary>
    event Action<HostReboot>? HostRebooted;
}

/// <summary>A watched host's reboot notice: its name and its NSM's new state number.</summary>
public readonly record struct HostReboot(string HostName, int State);
