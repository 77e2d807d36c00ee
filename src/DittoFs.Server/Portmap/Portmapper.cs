using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Rpc.Portmap;
using DittoFs.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace DittoFs.Server.Portmap;

/// <summary>
/// Makes NFS v3, MOUNT v3, NLM v1/v3/v4 and NSM v1 (TCP, and MOUNT, NLM and NSM over UDP when UDP is on), each at the
/// port it is served on, findable through the portmapper, so clients need no
/// port options: when nothing listens on the portmapper port, DittoFs answers there itself (<see cref="PortmapService"/>,
/// over TCP and, with UDP on, over UDP too: pmap_getport and rpcinfo -u ask over UDP); when something does (rpcbind), our
/// mappings are registered with it and unregistered on stop. Ours answers portmap version 2 and rpcbind versions 3
/// and 4 (<see cref="RpcbindService"/>), so IPv6 clients find the "tcp6"/"udp6" rows, on the NFS port's address (by
/// default every IPv6 and IPv4 address, one dual-stack socket).
/// </summary>
internal sealed partial class Portmapper : IAsyncDisposable
{
    /// <summary>RFC 1833's well-known port.</summary>
    public const int WellKnownPort = PortmapConstants.PmapPort;

    private const uint Tcp = (uint)PortmapConstants.IpprotoTcp;
    private const uint Udp = (uint)PortmapConstants.IpprotoUdp;

    private readonly RpcServer? _server;
    private readonly PortmapRegistration? _registration;
    private int _disposed;

    private Portmapper(RpcServer? server, PortmapRegistration? registration)
    {
        _server = server;
        _registration = registration;
    }

    /// <summary>Our own portmapper's address, when DittoFs serves it (null when registered with another).</summary>
    public IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    /// <summary>
    /// Serves or registers per <paramref name="mode"/>, every program at <paramref name="nfsPort"/>: NFS v3 and MOUNT v3,
    /// NLM v1/v3/v4 and NSM v1 over TCP and, with <paramref name="servedOverUdp"/> (the RPC server serves UDP:
    /// <see cref="RpcServer.ServesOverUdp"/>), those it answers over UDP for UDP as well; null: TCP only.
    /// See <see cref="StartAsync(PortmapMode, IReadOnlyList{Mapping}, bool, ILoggerFactory, int, CancellationToken)"/>.
    /// </summary>
    public static Task<Portmapper?> StartAsync(PortmapMode mode, int nfsPort, ILoggerFactory loggerFactory, int portmapPort = WellKnownPort,
        Func<uint, bool>? servedOverUdp = null, CancellationToken cancellationToken = default)
    {
        (uint Program, uint Version)[] programs =
        [
            (NfsV3Program.Program, NfsV3Program.Version), (MountV3Program.Program, MountV3Program.Version),
            (NlmV1Program.Program, NlmV1Program.Version), (NlmV3Program.Program, NlmV3Program.Version), (NlmV4Program.Program, NlmV4Program.Version),
            (SmV1Program.Program, SmV1Program.Version),
        ];
        Mapping[] ours =
        [
            .. programs.Select(p => new Mapping { Prog = p.Program, Vers = p.Version, Prot = Tcp, Port = (uint)nfsPort }),
            .. programs.Where(p => servedOverUdp?.Invoke(p.Program) == true).Select(p => new Mapping { Prog = p.Program, Vers = p.Version, Prot = Udp, Port = (uint)nfsPort }),
        ];
        return StartAsync(mode, ours, servedOverUdp is not null, loggerFactory, portmapPort, cancellationToken);
    }

    /// <summary>
    /// Serves or registers <paramref name="ours"/> (program, version, protocol and the port each is served on: NLM and
    /// NSM may have ports of their own) per <paramref name="mode"/>; null for <see cref="PortmapMode.Off"/> and for an
    /// <see cref="PortmapMode.Auto"/> attempt that failed (logged). With <see cref="PortmapMode.On"/> a failure
    /// throws <see cref="IOException"/>. <paramref name="portmapPort"/> is 111 outside tests. With <paramref name="udp"/>
    /// our own portmapper answers over UDP too. Our own portmapper listens on <paramref name="address"/>, the NFS port's
    /// (server.address; default every IPv6 and IPv4 address, as for ""); a system one is asked on the loopback address of its family.
    /// </summary>
    public static async Task<Portmapper?> StartAsync(PortmapMode mode, IReadOnlyList<Mapping> ours, bool udp, ILoggerFactory loggerFactory,
        int portmapPort = WellKnownPort, CancellationToken cancellationToken = default, IPAddress? address = null)
    {
        if (mode == PortmapMode.Off)
            return null;
        address ??= ListenAddress.ToBind("", "server.address");
        var logger = loggerFactory.CreateLogger("DittoFs.Server.Portmapper");
        var port = Probe(address, portmapPort);
        try
        {
            if (port == PortState.Free)
            {
                var server = await ServeAsync(ours, address, portmapPort, udp, loggerFactory, cancellationToken).ConfigureAwait(false);
                LogServing(logger, server.LocalEndPoint, udp ? "TCP and UDP" : "TCP", Summary(ours));
                return new Portmapper(server, null);
            }
            var portmapper = new IPEndPoint(ListenAddress.ServesIPv4(address) ? IPAddress.Loopback : IPAddress.IPv6Loopback, portmapPort);
            var registration = await PortmapRegistration.RegisterAsync(portmapper, ours, ListenAddress.ServesIPv4(address), ListenAddress.ServesIPv6(address), logger,
                cancellationToken).ConfigureAwait(false);
            if (registration.Registered.Count > 0)
                LogRegistered(logger, registration.Registered.Count, portmapper, string.Join(", ", registration.Registered.Select(Describe)));
            return new Portmapper(null, registration);
        }
        catch (Exception exception) when (exception is SocketException or IOException or TimeoutException or RpcException or UnauthorizedAccessException)
        {
            string problem = port switch
            {
                PortState.Denied => $"serving port {portmapPort} needs root or CAP_NET_BIND_SERVICE, and no portmapper there took our registration ({exception.Message})",
                PortState.InUse => $"something listens on port {portmapPort} but did not take our registration ({exception.Message})",
                _ => $"port {portmapPort} could not be served ({exception.Message})",
            };
            if (mode == PortmapMode.On)
                throw new IOException("portmapper: " + problem, exception);
            LogUnavailable(logger, problem);
            return null;
        }
    }

    /// <summary>"NFS v3, MOUNT v3, NLM v1/v3/v4, NSM v1 at port 2049", or per port when NLM or NSM has its own.</summary>
    private static string Summary(IReadOnlyList<Mapping> mappings) => string.Join("; ", mappings
        .GroupBy(mapping => mapping.Port)
        .Select(port => string.Join(", ", port.GroupBy(mapping => mapping.Prog)
                .Select(program => $"{NameOf(program.Key)} v{string.Join("/", program.Select(m => m.Vers).Distinct().Order())}"))
            + $" at port {port.Key}"));

    private static string NameOf(uint program) => program switch
    {
        NfsV3Program.Program => "NFS",
        MountV3Program.Program => "MOUNT",
        NlmV4Program.Program => "NLM",
        SmV1Program.Program => "NSM",
        _ => program.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Describe(PortmapRegistration.RegisteredMapping entry) => $"{entry.Mapping.Prog} v{entry.Mapping.Vers} {entry.Netid} at port {entry.Mapping.Port}";

    /// <summary>
    /// Our portmapper on <paramref name="port"/>: portmap version 2 and rpcbind versions 3 and 4 over one table, with our
    /// mappings and its own for each family it listens on (netid tcp/udp for IPv4, tcp6/udp6 for IPv6).
    /// </summary>
    private static async Task<RpcServer> ServeAsync(IReadOnlyList<Mapping> ours, IPAddress address, int port, bool udp, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var table = new PortmapTable();
        var portmap = new PortmapService(table, loggerFactory.CreateLogger<PortmapService>());
        var rpcbind = new RpcbindService(table, loggerFactory.CreateLogger<RpcbindService>());
        // Portmapper messages are a few dozen bytes; a small record limit keeps what a stranger can make us buffer small,
        // and its calls are instant, so a few UDP calls at a time are plenty.
        var options = new RpcServerOptions
        {
            Address = address,
            Port = port,
            MaxRecordSize = 8 * 1024,
            Udp = udp ? new RpcUdpOptions { MaxInFlight = 8 } : null,
        };
        var server = new RpcServer(options, [PortmapProgram.Create(portmap), .. rpcbind.Programs()], loggerFactory.CreateLogger<RpcServer>());
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        uint[] versions = [PmapV2Program.Version, RpcbV3Program.Version, RpcbV4Program.Version];
        Mapping[] own =
        [
            .. versions.Select(version => new Mapping { Prog = PmapV2Program.Program, Vers = version, Prot = Tcp, Port = (uint)server.LocalEndPoint.Port }),
            .. server.UdpEndPoint is { } udpEndPoint
                ? versions.Select(version => new Mapping { Prog = PmapV2Program.Program, Vers = version, Prot = Udp, Port = (uint)udpEndPoint.Port })
                : [],
        ];
        foreach (var entry in Entries([.. own, .. ours], address))
            table.Set(entry);
        return server;
    }

    /// <summary>
    /// The rpcbind rows of <paramref name="mappings"/> for a server on <paramref name="address"/>: "tcp"/"udp" always
    /// (portmap version 2 clients ask for them whatever family they call over, as before rpcbind), "tcp6"/"udp6" when it
    /// listens on IPv6; the host part is the address, or the family's every-address for a wildcard, which GETADDR turns
    /// into the address the caller reached (<see cref="RpcbindService.AddressFor"/>).
    /// </summary>
    internal static IEnumerable<RpcbindEntry> Entries(IEnumerable<Mapping> mappings, IPAddress address)
    {
        var ipv4 = address.AddressFamily == AddressFamily.InterNetwork ? address : IPAddress.Any;
        var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6 ? address : IPAddress.IPv6Any;
        foreach (var mapping in mappings)
        {
            yield return new RpcbindEntry(mapping.Prog, mapping.Vers, RpcbindEntry.NetidOf(mapping.Prot, ipv6: false)!, UniversalAddress.Of(ipv4, mapping.Port), Owner);
            if (ListenAddress.ServesIPv6(address))
                yield return new RpcbindEntry(mapping.Prog, mapping.Vers, RpcbindEntry.NetidOf(mapping.Prot, ipv6: true)!, UniversalAddress.Of(ipv6, mapping.Port), Owner);
        }
    }

    /// <summary>Who registered our rows, as rpcinfo's dump shows it.</summary>
    private const string Owner = "dittofs";

    private enum PortState { Free, InUse, Denied }

    /// <summary>
    /// Whether the port is free to serve. The RPC server's own bind cannot tell: .NET's ReuseAddress option also sets
    /// SO_REUSEPORT on Linux, so it succeeds beside another DittoFs's listener and the two would split the
    /// connections. A bind with SO_REUSEADDR alone fails when anything listens there, while the TIME_WAIT leftovers
    /// of an earlier run (which a bind without it would trip over) do not count. The window between this check and
    /// the server's bind is a few microseconds; only another DittoFs starting at that moment could slip in.
    /// </summary>
    private static PortState Probe(IPAddress address, int port)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.Equals(IPAddress.IPv6Any))
            probe.DualMode = true; // as the server will bind it: a listener on 0.0.0.0 or :: makes the port in use
        if (OperatingSystem.IsLinux())
            probe.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        try
        {
            probe.Bind(new IPEndPoint(address, port));
            return PortState.Free;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AccessDenied)
        {
            return PortState.Denied;
        }
        catch (SocketException)
        {
            return PortState.InUse;
        }
    }

    // Linux's <sys/socket.h> values.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>Unregisters, or stops our portmapper (its clients' calls are all instant, so no grace period).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        if (_registration is not null)
            await _registration.DisposeAsync().ConfigureAwait(false);
        if (_server is not null)
            await _server.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Portmapper listening on {EndPoint} ({Transports}): {Programs}")]
    private static partial void LogServing(ILogger logger, IPEndPoint endPoint, string transports, string programs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Count} program(s) with the portmapper at {Portmapper}: {Mappings}")]
    private static partial void LogRegistered(ILogger logger, int count, IPEndPoint portmapper, string mappings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No portmapper: {Problem}. Serving NFS anyway; clients must name the port (mount -o port=,mountport=)")]
    private static partial void LogUnavailable(ILogger logger, string problem);
}
