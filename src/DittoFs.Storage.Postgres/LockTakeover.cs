using System.Net;

namespace DittoFs.Storage.Postgres;

/// <summary>A host a server's status monitor watches: its name (the NLM caller_name) and where its calls came from.</summary>
public readonly record struct WatchedHost(string Name, IPAddress Address);

/// <summary>
/// Servers whose lease lapsed, taken over by this one (<see cref="PostgresLockTable.TookOver"/>): their locks wait
/// for reclaims, and the hosts their status monitor watched under <paramref name="NsmName"/> are to be told, with
/// <paramref name="State"/> (new, above every state sent under that name), to reclaim them.
/// </summary>
/// <param name="Servers">The lock tables taken over, as their rows name them (host/pid share).</param>
/// <param name="NsmName">The name the dead servers' SM_NOTIFY carried (their <c>locks.host_name</c>): the name the
/// clients monitor, so the one their status monitors match a notice against.</param>
public sealed record LockTakeover(IReadOnlyList<string> Servers, string NsmName, int State, IReadOnlyList<WatchedHost> Hosts);
