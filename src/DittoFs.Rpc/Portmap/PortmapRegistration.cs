using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// Mappings registered with a port mapper another process runs (rpcbind, or another DittoFs's portmapper), over
/// TCP with PMAPPROC_SET, and removed with PMAPPROC_UNSET on dispose. rpcbind takes changes only from local
/// callers on a privileged source port, so the connection binds one when the process may (root).
/// </summary>
public sealed partial class PortmapRegistration : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private readonly IPEndPoint _portmapper;
    private readonly ILogger _logger;

    private PortmapRegistration(IPEndPoint portmapper, IReadOnlyList<Mapping> registered, ILogger logger)
    {
        _portmapper = portmapper;
        Registered = registered;
        _logger = logger;
    }

    /// <summary>The mappings this registration holds (and will remove).</summary>
    public IReadOnlyList<Mapping> Registered { get; }

    /// <summary>
    /// Registers each mapping. One the port mapper already has for the same port (left by an earlier run that did
    /// not stop cleanly) counts as ours; one for another port where nothing listens is stale and replaced; one for a
    /// port that answers belongs to another server and is left alone, with a warning, since replacing it would take
    /// that server's clients.
    /// Throws <see cref="IOException"/>, <see cref="TimeoutException"/> or <see cref="RpcException"/> when the port
    /// mapper cannot be reached or refuses the calls.
    /// </summary>
    public static async Task<PortmapRegistration> RegisterAsync(IPEndPoint portmapper, IReadOnlyList<Mapping> mappings, ILogger logger, CancellationToken cancellationToken = default)
    {
        var registered = new List<Mapping>();
        await using var client = await ConnectAsync(portmapper, cancellationToken).ConfigureAwait(false);
        var pmap = new PmapV2Client(client);
        foreach (var mapping in mappings)
        {
            if (await pmap.SetAsync(mapping, cancellationToken).ConfigureAwait(false))
            {
                registered.Add(mapping);
                continue;
            }
            uint current = await pmap.GetportAsync(mapping, cancellationToken).ConfigureAwait(false);
            if (current == mapping.Port)
            {
                registered.Add(mapping);
            }
            else if (current == 0)
            {
                LogSetRefused(logger, mapping.Prog, mapping.Vers, portmapper);
            }
            else if (!await IsListeningAsync(new IPEndPoint(portmapper.Address, (int)current), cancellationToken).ConfigureAwait(false))
            {
                // Left by a server that died without unregistering (rpcbind even keeps such entries across its own
                // warm restarts): nobody answers there, so clients would only time out. Take the entry over.
                await pmap.UnsetAsync(mapping, cancellationToken).ConfigureAwait(false);
                if (await pmap.SetAsync(mapping, cancellationToken).ConfigureAwait(false))
                {
                    LogReplacedStale(logger, mapping.Prog, mapping.Vers, current, portmapper);
                    registered.Add(mapping);
                }
                else
                {
                    LogSetRefused(logger, mapping.Prog, mapping.Vers, portmapper);
                }
            }
            else
            {
                LogTakenByAnother(logger, mapping.Prog, mapping.Vers, current, portmapper);
            }
        }
        return new PortmapRegistration(portmapper, registered, logger);
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
            foreach (var (program, version) in Registered.Select(m => (m.Prog, m.Vers)).Distinct())
                await pmap.UnsetAsync(new Mapping { Prog = program, Vers = version }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or RpcException or SocketException or UnauthorizedAccessException)
        {
            LogUnsetFailed(_logger, exception, _portmapper);
        }
    }

    /// <summary>
    /// Whether something accepts TCP connections at <paramref name="endPoint"/> (the port a stale entry names). Asked for
    /// UDP entries too: a UDP port cannot be probed without speaking the program's protocol, and the servers that
    /// register UDP (ours included) serve TCP on the same port.
    /// </summary>
    private static async Task<bool> IsListeningAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true; // no answer in time is not "nobody there": a firewalled or overloaded server keeps its entry
        }
    }

    private static Task<RpcClient> ConnectAsync(IPEndPoint portmapper, CancellationToken cancellationToken) =>
        RpcClient.ConnectAsync(portmapper, new RpcClientOptions
        {
            CallTimeout = CallTimeout,
            ConnectTimeout = CallTimeout,
            UsePrivilegedPort = Environment.IsPrivilegedProcess,
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The portmapper at {Portmapper} refused to register program {Program} version {Version}; clients must name the port")]
    private static partial void LogSetRefused(ILogger logger, uint program, uint version, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {Program} version {Version} is registered at port {Port} with the portmapper at {Portmapper} by another server; left as is, so clients asking the portmapper reach that one")]
    private static partial void LogTakenByAnother(ILogger logger, uint program, uint version, uint port, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {Program} version {Version} was registered at port {Port} with the portmapper at {Portmapper}, where nothing listens any more; replaced with ours")]
    private static partial void LogReplacedStale(ILogger logger, uint program, uint version, uint port, IPEndPoint portmapper);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing our registrations from the portmapper at {Portmapper} failed; they stay until it restarts")]
    private static partial void LogUnsetFailed(ILogger logger, Exception exception, IPEndPoint portmapper);
}
