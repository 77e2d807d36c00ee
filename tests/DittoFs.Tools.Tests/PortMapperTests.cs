using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Tools.Tests;

/// <summary>How the NFS and MOUNT ports are found, against a real portmapper protocol server on a free port.</summary>
public sealed class PortMapperTests
{
    private RpcServer _server = null!;
    private Registrations _registrations = null!;
    private SessionOptions _options = null!;

    [SetUp]
    public async Task StartPortmapper()
    {
        _registrations = new Registrations();
        _server = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback, Port = 0 },
            [new PmapV2Dispatcher<RpcCallContext>(_registrations)], NullLogger.Instance);
        await _server.StartAsync();
        _options = new SessionOptions { PortmapperPort = _server.LocalEndPoint.Port, ConnectTimeout = TimeSpan.FromSeconds(5) };
    }

    [TearDown]
    public async Task StopPortmapper() => await _server.DisposeAsync();

    private Task<(int Nfs, int Mount)> Resolve(string url) =>
        PortMapper.ResolveAsync(NfsUrl.Parse(url), _options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    [Test]
    public async Task Explicit_ports_are_used_without_asking()
    {
        await _server.DisposeAsync();
        Assert.That(await Resolve("nfs://127.0.0.1/export?nfsport=5&mountport=6"), Is.EqualTo((5, 6)));
    }

    [Test]
    public async Task Without_ports_both_come_from_getport_over_tcp()
    {
        _registrations.Add(PortMapper.NfsProgram, 2049);
        _registrations.Add(PortMapper.MountProgram, 20048);
        Assert.That(await Resolve("nfs://127.0.0.1/export"), Is.EqualTo((2049, 20048)));
        Assert.That(_registrations.Asked.Select(m => (m.Prog, m.Vers, m.Prot)), Is.EquivalentTo(new[] { (100003u, 3u, 6u), (100005u, 3u, 6u) }));
    }

    [Test]
    public async Task Mount_comes_from_the_portmapper_when_it_registers_the_named_nfs_port()
    {
        _registrations.Add(PortMapper.NfsProgram, 2049);
        _registrations.Add(PortMapper.MountProgram, 20048);
        Assert.That(await Resolve("nfs://127.0.0.1:2049/export"), Is.EqualTo((2049, 20048)));
    }

    [Test]
    public async Task Mount_is_asked_on_the_nfs_port_when_the_portmapper_describes_another_server()
    {
        _registrations.Add(PortMapper.NfsProgram, 2049);
        _registrations.Add(PortMapper.MountProgram, 20048);
        Assert.That(await Resolve("nfs://127.0.0.1:12049/export"), Is.EqualTo((12049, 12049)));
    }

    [Test]
    public async Task Mount_is_asked_on_the_nfs_port_when_no_portmapper_runs()
    {
        await _server.DisposeAsync();
        Assert.That(await Resolve("nfs://127.0.0.1/export?nfsport=12049"), Is.EqualTo((12049, 12049)));
    }

    [Test]
    public async Task A_named_mount_port_with_nfs_from_the_portmapper()
    {
        _registrations.Add(PortMapper.NfsProgram, 2049);
        Assert.That(await Resolve("nfs://127.0.0.1/export?mountport=999"), Is.EqualTo((2049, 999)));
    }

    [Test]
    public async Task Nfs_not_registered_is_an_error_naming_the_portmapper()
    {
        var exception = await Assert.ThrowsAsync<IOException>(() => Resolve("nfs://127.0.0.1/export"));
        Assert.That(exception!.Message, Does.Contain("not registered").And.Contain($"127.0.0.1:{_options.PortmapperPort}"));
    }

    [Test]
    public async Task No_portmapper_and_no_ports_is_an_error()
    {
        await _server.DisposeAsync();
        var exception = await Assert.ThrowsAsync<IOException>(() => Resolve("nfs://127.0.0.1/export"));
        Assert.That(exception!.Message, Does.Contain("portmapper").And.Contain("unreachable"));
    }

    /// <summary>A portmapper's table (RFC 1833 version 2): GETPORT answers 0 for what is not registered.</summary>
    private sealed class Registrations : IPmapV2<RpcCallContext>
    {
        private readonly Dictionary<uint, uint> _ports = [];
        public List<Mapping> Asked { get; } = [];

        public void Add(uint program, uint port) => _ports[program] = port;

        public ValueTask NullAsync(RpcCallContext context) => default;
        public ValueTask<bool> SetAsync(Mapping arguments, RpcCallContext context) => new(false);
        public ValueTask<bool> UnsetAsync(Mapping arguments, RpcCallContext context) => new(false);
        public ValueTask<XdrList<Pmaplist, Pmaplist>> DumpAsync(RpcCallContext context) => new(Array.Empty<Pmaplist>());
        public ValueTask<CallResult> CallitAsync(CallArgs arguments, RpcCallContext context) => new(default(CallResult));

        public ValueTask<uint> GetportAsync(Mapping arguments, RpcCallContext context)
        {
            lock (Asked)
                Asked.Add(arguments);
            bool known = arguments.Vers == 3 && arguments.Prot == PortmapConstants.IpprotoTcp && _ports.ContainsKey(arguments.Prog);
            return new(known ? _ports[arguments.Prog] : 0u);
        }
    }
}
