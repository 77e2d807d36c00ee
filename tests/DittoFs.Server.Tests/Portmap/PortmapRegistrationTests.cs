using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Rpc.Portmap;
using DittoFs.Server.Configuration;
using DittoFs.Server.Portmap;
using DittoFs.Server.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Portmap;

/// <summary>
/// When the portmapper port is taken, DittoFs registers with whoever answers there (rpcbind in production; another
/// DittoFs portmapper here, which takes SET from local callers as rpcbind does) and unregisters on stop.
/// </summary>
[NonParallelizable]
public sealed class PortmapRegistrationTests
{
    private const uint Tcp = 6;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private int _portmapPort;
    private Portmapper _running = null!;
    private TcpListener _firstServer = null!;

    [SetUp]
    public async Task StartTheRunningPortmapper()
    {
        // The first server's NFS port answers TCP, as a live server's would.
        _firstServer = new TcpListener(IPAddress.Loopback, 0);
        _firstServer.Start();
        _portmapPort = HotPathAllocationTests.FreePort();
        _running = (await Portmapper.StartAsync(PortmapMode.On, ((IPEndPoint)_firstServer.LocalEndpoint).Port, NullLoggerFactory.Instance, _portmapPort))!;
    }

    [TearDown]
    public async Task Stop()
    {
        await _running.DisposeAsync();
        _firstServer.Dispose();
    }

    private async Task<uint> GetPortAsync(uint program)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _portmapPort));
        return await new PmapV2Client(rpc).GetportAsync(new Mapping { Prog = program, Vers = 3, Prot = Tcp }).AsTask().WaitAsync(Timeout);
    }

    private async Task UnsetAsync(uint program)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _portmapPort));
        await new PmapV2Client(rpc).UnsetAsync(new Mapping { Prog = program, Vers = 3 }).AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task A_second_server_registers_with_the_running_portmapper_and_unregisters_on_stop()
    {
        await UnsetAsync(100003);
        await UnsetAsync(100005);

        var second = await Portmapper.StartAsync(PortmapMode.On, 30049, NullLoggerFactory.Instance, _portmapPort);
        Assert.That(second, Is.Not.Null);
        Assert.That(second!.LocalEndPoint, Is.Null, "it does not serve: the port is taken");
        Assert.That(await GetPortAsync(100003), Is.EqualTo(30049u));
        Assert.That(await GetPortAsync(100005), Is.EqualTo(30049u));

        await second.DisposeAsync();
        Assert.That(await GetPortAsync(100003), Is.Zero);
        Assert.That(await GetPortAsync(100005), Is.Zero);
    }

    [Test]
    public async Task A_dual_stack_server_registers_its_IPv4_rows_with_a_portmapper_of_version_2_only_and_carries_on()
    {
        // The classic portmap: version 2 alone (ours answers rpcbind versions 3 and 4 as well).
        var table = new PortmapTable();
        await using var versionTwoOnly = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback, Port = 0 },
            [PortmapProgram.Create(new PortmapService(table, NullLogger<PortmapService>.Instance))], NullLogger.Instance);
        await versionTwoOnly.StartAsync();
        Mapping[] ours = [new Mapping { Prog = 100005, Vers = 3, Prot = Tcp, Port = 30049 }];

        await using (var registration = await PortmapRegistration.RegisterAsync(versionTwoOnly.LocalEndPoint, ours, ipv4: true, ipv6: true, NullLogger.Instance))
        {
            Assert.That(registration.Registered.Select(entry => entry.Netid), Is.EqualTo(new[] { "tcp" }), "no tcp6: version 2 cannot hold it");
            Assert.That(table.GetPort(100005, 3, Tcp), Is.EqualTo(30049u));
        }
        Assert.That(table.GetPort(100005, 3, Tcp), Is.Zero);
    }

    [Test]
    public async Task A_dual_stack_server_registers_IPv4_and_IPv6_rows_with_our_portmapper()
    {
        await using (var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _portmapPort)))
            await new RpcbV4Client(rpc).UnsetAsync(new Rpcb { RProg = 100005, RVers = 3, RNetid = Array.Empty<byte>(), RAddr = Array.Empty<byte>(), ROwner = Array.Empty<byte>() });
        Mapping[] ours = [new Mapping { Prog = 100005, Vers = 3, Prot = Tcp, Port = 30049 }];

        await using (var registration = await PortmapRegistration.RegisterAsync(new IPEndPoint(IPAddress.Loopback, _portmapPort), ours, ipv4: true, ipv6: true,
            NullLogger.Instance))
        {
            Assert.That(registration.Registered.Select(entry => entry.Netid), Is.EqualTo(new[] { "tcp", "tcp6" }));
            Assert.That(await GetPortAsync(100005), Is.EqualTo(30049u));
        }
        Assert.That(await GetPortAsync(100005), Is.Zero);
    }

    [Test]
    public async Task A_registration_of_a_server_that_still_answers_is_left_alone()
    {
        int firstPort = ((IPEndPoint)_firstServer.LocalEndpoint).Port;

        await using (var second = await Portmapper.StartAsync(PortmapMode.On, 30049, NullLoggerFactory.Instance, _portmapPort))
            Assert.That(await GetPortAsync(100003), Is.EqualTo((uint)firstPort));

        Assert.That(await GetPortAsync(100003), Is.EqualTo((uint)firstPort), "stopping the second server did not remove the first one's entry");
    }

    [Test]
    public async Task A_registration_left_by_a_server_that_is_gone_is_replaced()
    {
        _firstServer.Stop(); // the first server died without unregistering

        await using var second = await Portmapper.StartAsync(PortmapMode.On, 30049, NullLoggerFactory.Instance, _portmapPort);

        Assert.That(await GetPortAsync(100003), Is.EqualTo(30049u));
    }
}
