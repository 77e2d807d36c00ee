using System.Net;
using System.Net.Sockets;
using System.Text;
using DittoFs.Protocol;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// Mappings registered with a port mapper another process runs (rpcbind, or another DittoFs's portmapper), over
/// TCP, and removed on dispose: for IPv4 with portmap version 2 (PMAPPROC_SET, netids "tcp" and "udp"), for IPv6 with
/// rpcbind version 3 (RPCBPROC_SET with netids "tcp6" and "udp6" and a universal address, RFC 1833 §2.2), which
/// version 2 cannot express. rpcbind takes changes only from local callers on a privileged source port, so the
/// connection binds one when the process may (root).
/// </summary>
public sealed partial class PortmapRegistration : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private readonly IPEndPoint _portmapper;
    private readonly ILogger _logger;

    private PortmapRegistration(IPEndPoint portmapper, IReadOnlyList<RegisteredMapping> registered, ILogger logger)
    {
        _portmapper = portmapper;
        Registered = registered;
        _logger = logger;
    }

    /// <summary>A mapping held by a registration: over IPv6 (netid tcp6 or udp6) or IPv4 (tcp or udp).</summary>
    public readonly record struct RegisteredMapping(Mapping Mapping, bool IPv6)
    {
        public string Netid => (Mapping.Prot == (uint)PortmapConstants.IpprotoUdp ? "udp" : "tcp") + (IPv6 ? "6" : "");
    }

    /// <summary>The mappings this registration holds (and will remove).</summary>
    public IReadOnlyList<RegisteredMapping> Registered { get; }

    /// <summary>
    /// Registers each mapping for IPv4 (<paramref name="ipv4"/>) and for IPv6 (<paramref name="ipv6"/>), as the server
    /// listens. One the port mapper already has for the same port (left by an earlier run that did
    /// not stop cleanly) counts as ours; one for another port where nothing listens is stale and replaced; one for a
    /// port that answers belongs to another server and is left alone, with a warning, since replacing it would take
    /// that server's clients.
    /// Throws <see cref="IOException"/>, <see cref="TimeoutException"/> or <see cref="RpcException"/> when the port
    /// mapper cannot be reached or refuses the calls; a portmapper of version 2 only (no IPv6 rows) is logged, not thrown.
    /// </summary>
    public static async Task<PortmapRegistration> RegisterAsync(IPEndPoint portmapper, IReadOnlyList<Mapping> mappings, bool ipv4, bool ipv6, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var registered = new List<RegisteredMapping>();
        await using var client = await ConnectAsync(portmapper, cancellationToken).ConfigureAwait(false);
        var binders = new List<Binder>();
        if (ipv4)
            binders.Add(new PmapBinder(new PmapV2Client(client)));
        if (ipv6)
            binders.Add(new RpcbBinder(new RpcbV3Client(client)));
        foreach (var binder in binders)
        {
            try
            {
                await RegisterAsync(binder, portmapper, mappings, registered, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException exception) when (binder is RpcbBinder && exception.AcceptStatus == AcceptStat.ProgMismatch)
            {
                // A portmapper of version 2 only (the classic portmap): IPv4 clients find us through it, IPv6 ones
                // must be told the port.
                LogNoRpcbind(logger, portmapper);
            }
        }
        return new PortmapRegistration(portmapper, registered, logger);
    }

    /// <summary>Registers <paramref name="mappings"/> through one binder (version 2 for IPv4, 3 for IPv6) into <paramref name="registered"/>.</summary>
    private static async Task RegisterAsync(Binder binder, IPEndPoint portmapper, IReadOnlyList<Mapping> mappings, List<RegisteredMapping> registered, ILogger logger,
        CancellationToken cancellationToken)
    {
        foreach (var mapping in mappings)
        {
            var entry = new RegisteredMapping(mapping, binder is RpcbBinder);
            if (await binder.SetAsync(entry, cancellationToken).ConfigureAwait(false))
            {
                registered.Add(entry);
                continue;
            }
            uint current = await binder.PortOfAsync(entry, cancellationToken).ConfigureAwait(false);
            if (current == mapping.Port)
            {
                registered.Add(entry);
            }
            else if (current == 0)
            {
                LogSetRefused(logger, mapping.Prog, mapping.Vers, entry.Netid, portmapper);
            }
            else if (!await IsListeningAsync((int)current, cancellationToken).ConfigureAwait(false))
            {
                // Left by a server that died without unregistering (rpcbind even keeps such entries across its own
                // warm restarts): nobody answers there, so clients would only time out. Take the entry over.
                await binder.UnsetAsync(entry, cancellationToken).ConfigureAwait(false);
                if (await binder.SetAsync(entry, cancellationToken).ConfigureAwait(false))
                {
                    LogReplacedStale(logger, mapping.Prog, mapping.Vers, entry.Netid, current, portmapper);
                    registered.Add(entry);
                }
                else
                {
                    LogSetRefused(logger, mapping.Prog, mapping.Vers, entry.Netid, portmapper);
                }
            }
            else
            {
                LogTakenByAnother(logger, mapping.Prog, mapping.Vers, entry.Netid, current, portmapper);
            }
        }
    }

    /// <summary>Unregisters what <see cref="RegisterAsync"/> registered; failures are logged, not thrown (we are stopping).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Registered.Count == 0)
            return;
        try
        {
            await using var client = await ConnectAsync(_portmapper, CancellationToken.None).ConfigureAwait(false);
            var pmap = new PmapV2Client(client);
            // Version 2's UNSET removes a (program, version) for tcp and udp; version 3's, given a netid, that netid's.
            foreach (var (program, version) in Registered.Where(entry => !entry.IPv6).Select(entry => (entry.Mapping.Prog, entry.Mapping.Vers)).Distinct())
                await pmap.UnsetAsync(new Mapping { Prog = program, Vers = version }).ConfigureAwait(false);
            var rpcb = new RpcbBinder(new RpcbV3Client(client));
            foreach (var entry in Registered.Where(entry => entry.IPv6))
                await rpcb.UnsetAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or RpcException or SocketException or UnauthorizedAccessException)
        {
            LogUnsetFailed(_logger, exception, _portmapper);
        }
    }

    /// <summary>SET, the port a mapping has now (0: none), and UNSET, in one version of the protocol.</summary>
    private abstract class Binder
    {
        public abstract ValueTask<bool> SetAsync(RegisteredMapping entry, CancellationToken cancellationToken);
        public abstract ValueTask<uint> PortOfAsync(RegisteredMapping entry, CancellationToken cancellationToken);
        public abstract ValueTask UnsetAsync(RegisteredMapping entry, CancellationToken cancellationToken);
    }

    /// <summary>Portmap version 2: IPv4 only ("tcp" and "udp" in rpcbind's terms).</summary>
    private sealed class PmapBinder(PmapV2Client pmap) : Binder
    {
        public override ValueTask<bool> SetAsync(RegisteredMapping entry, CancellationToken cancellationToken) => pmap.SetAsync(entry.Mapping, cancellationToken);
        public override ValueTask<uint> PortOfAsync(RegisteredMapping entry, CancellationToken cancellationToken) => pmap.GetportAsync(entry.Mapping, cancellationToken);
        public override async ValueTask UnsetAsync(RegisteredMapping entry, CancellationToken cancellationToken) => await pmap.UnsetAsync(entry.Mapping, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>rpcbind version 3 for IPv6: netid "tcp6"/"udp6", the universal address of every IPv6 address at the port ("::.p1.p2").</summary>
    private sealed class RpcbBinder(RpcbV3Client rpcb) : Binder
    {
        public override ValueTask<bool> SetAsync(RegisteredMapping entry, CancellationToken cancellationToken) => rpcb.SetAsync(Rpcb(entry, UniversalAddress.Of(IPAddress.IPv6Any, entry.Mapping.Port)), cancellationToken);

        public override async ValueTask<uint> PortOfAsync(RegisteredMapping entry, CancellationToken cancellationToken)
        {
            var address = await rpcb.GetaddrAsync(Rpcb(entry, ""), cancellationToken).ConfigureAwait(false);
            return UniversalAddress.PortOf(Encoding.ASCII.GetString(address.Span));
        }

        public override async ValueTask UnsetAsync(RegisteredMapping entry, CancellationToken cancellationToken) =>
            await rpcb.UnsetAsync(Rpcb(entry, ""), cancellationToken).ConfigureAwait(false);

        /// <summary>rpcbind fills in the owner from the caller; what is sent is only a name for the log.</summary>
        private static Rpcb Rpcb(RegisteredMapping entry, string address) => new()
        {
            RProg = entry.Mapping.Prog,
            RVers = entry.Mapping.Vers,
            RNetid = Encoding.ASCII.GetBytes(entry.Netid),
            RAddr = Encoding.ASCII.GetBytes(address),
            ROwner = "dittofs"u8.ToArray(),
        };
    }

    /// <summary>
    /// Whether something on this host accepts TCP connections at <paramref name="port"/> (the port an entry names), over
    /// IPv4 or IPv6: a server listening on one family owns its entries for both, so IPv4 and IPv6 clients are never sent
    /// to different servers. Asked for UDP entries too: a UDP port cannot be probed without speaking the program's
    /// protocol, and the servers that register UDP (ours included) serve TCP on the same port.
    /// </summary>
    private static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var socket = new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(loopback, port), timeout.Token).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                // nobody on this family: try the other
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return true; // no answer in time is not "nobody there": a firewalled or overloaded server keeps its entry
            }
        }
        return false;
    }

    private static Task<RpcClient> ConnectAsync(IPEndPoint portmapper, CancellationToken cancellationToken) =>
        RpcClient.ConnectAsync(portmapper, new RpcClientOptions
        {
            CallTimeout = CallTimeout,
            ConnectTimeout = CallTimeout,
            UsePrivilegedPort = Environment.IsPrivilegedProcess,
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portmapper at {Portmapper} refused to register program {Program} version {Version} ({Netid}); clients must name the port")]
    private static partial void LogSetRefused(ILogger logger, uint program, uint version, string netid, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {Program} version {Version} ({Netid}) is registered at port {Port} with the portmapper at {Portmapper} by another server; left as is, so clients asking the portmapper reach that one")]
    private static partial void LogTakenByAnother(ILogger logger, uint program, uint version, string netid, uint port, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {Program} version {Version} ({Netid}) was registered at port {Port} with the portmapper at {Portmapper}, where nothing listens any more; replaced with ours")]
    private static partial void LogReplacedStale(ILogger logger, uint program, uint version, string netid, uint port, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portmapper at {Portmapper} speaks portmap version 2 only, which has no IPv6: IPv6 clients must name the port")]
    private static partial void LogNoRpcbind(ILogger logger, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing our registrations from the portmapper at {Portmapper} failed; they stay until it restarts")]
    private static partial void LogUnsetFailed(ILogger logger, Exception exception, IPEndPoint portmapper);
}
