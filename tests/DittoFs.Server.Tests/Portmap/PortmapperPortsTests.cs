using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Portmap;
using DittoFs.Server.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Portmap;

/// <summary>
/// Mappings at several ports (server.nlm_port, server.nsm_port): our own portmapper lists each at its port, and a
/// registration with a running portmapper registers each at its port and removes them on stop.
/// </summary>
[NonParallelizable]
public sealed class PortmapperPortsTests
{
    private const uint Tcp = 6, Udp = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static Mapping[] Ours(uint nfs, uint nlm, uint nsm) =>
    [
        new() { Prog = 100003, Vers = 3, Prot = Tcp, Port = nfs },
        new() { Prog = 100005, Vers = 3, Prot = Tcp, Port = nfs },
        new() { Prog = 100005, Vers = 3, Prot = Udp, Port = nfs },
        new() { Prog = 100021, Vers = 4, Prot = Tcp, Port = nlm },
        new() { Prog = 100021, Vers = 4, Prot = Udp, Port = nlm },
        new() { Prog = 100024, Vers = 1, Prot = Tcp, Port = nsm },
        new() { Prog = 100024, Vers = 1, Prot = Udp, Port = nsm },
    ];

    private static async Task<uint> GetPortAsync(int portmapPort, uint program, uint version, uint protocol)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, portmapPort));
        return await new PmapV2Client(rpc).GetportAsync(new Mapping { Prog = program, Vers = version, Prot = protocol }).AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task Our_portmapper_lists_each_program_at_its_port()
    {
        int portmapPort = HotPathAllocationTests.FreePort();
        await using var portmapper = (await Portmapper.StartAsync(PortmapMode.On, Ours(20049, 24045, 24046), udp: true, NullLoggerFactory.Instance, portmapPort))!;

        Assert.That(portmapper.LocalEndPoint, Is.Not.Null);
        Assert.That(await GetPortAsync(portmapPort, 100003, 3, Tcp), Is.EqualTo(20049u));
        Assert.That(await GetPortAsync(portmapPort, 100021, 4, Tcp), Is.EqualTo(24045u));
        Assert.That(await GetPortAsync(portmapPort, 100021, 4, Udp), Is.EqualTo(24045u));
        Assert.That(await GetPortAsync(portmapPort, 100024, 1, Udp), Is.EqualTo(24046u));
        Assert.That(await GetPortAsync(portmapPort, 100003, 3, Udp), Is.Zero);
    }

    [Test]
    public async Task A_registration_registers_each_program_at_its_port_and_removes_them_on_stop()
    {
        int portmapPort = HotPathAllocationTests.FreePort();
        // The running portmapper (rpcbind's part), with nothing of ours.
        await using var running = (await Portmapper.StartAsync(PortmapMode.On, [], udp: false, NullLoggerFactory.Instance, portmapPort))!;

        var registered = (await Portmapper.StartAsync(PortmapMode.On, Ours(30049, 34045, 34046), udp: true, NullLoggerFactory.Instance, portmapPort))!;
        Assert.That(registered.LocalEndPoint, Is.Null, "registered, not served");
        Assert.That(await GetPortAsync(portmapPort, 100005, 3, Udp), Is.EqualTo(30049u));
        Assert.That(await GetPortAsync(portmapPort, 100021, 4, Tcp), Is.EqualTo(34045u));
        Assert.That(await GetPortAsync(portmapPort, 100021, 4, Udp), Is.EqualTo(34045u));
        Assert.That(await GetPortAsync(portmapPort, 100024, 1, Tcp), Is.EqualTo(34046u));

        await registered.DisposeAsync();
        Assert.That(await GetPortAsync(portmapPort, 100021, 4, Tcp), Is.Zero);
        Assert.That(await GetPortAsync(portmapPort, 100024, 1, Udp), Is.Zero);
    }
}
