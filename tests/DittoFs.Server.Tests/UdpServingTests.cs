using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Portmap;
using DittoFs.Server.Tests.Metrics;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests;

/// <summary>
/// server.udp: MOUNT answers over UDP on the NFS port, NFS does not (PROG_UNAVAIL, and not listed for UDP by the
/// portmapper), and our own portmapper answers over UDP and lists MOUNT for UDP; with server.udp false nothing is
/// served over UDP.
/// </summary>
[NonParallelizable]
public sealed class UdpServingTests
{
    private const uint Tcp = 6, Udp = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly RpcClientOptions Quick = new() { RetransmitInterval = TimeSpan.FromMilliseconds(200), CallTimeout = Timeout };

    private static DittoConfig Config(string udp) => new()
    {
        Server = new ServerSection { Port = 0, Portmap = "false", Udp = udp },
        Metrics = new MetricsSection { Enabled = false },
        Metadata = new() { Stores = { ["meta"] = new MetadataStoreConfig { Type = "memory" } } },
        Content = new() { Stores = { ["bytes"] = new ContentStoreConfig { Type = "memory" } } },
        Shares = { new ShareConfig { Name = "/export", MetadataStore = "meta", ContentStore = "bytes" } },
    };

    [Test]
    public async Task Mount_answers_over_udp_on_the_nfs_port_and_nfs_does_not()
    {
        await using var server = await DittoServer.StartAsync(Config("true"), NullLoggerFactory.Instance);
        Assert.That(server.UdpEndPoint!.Port, Is.EqualTo(server.LocalEndPoint.Port));
        await using var client = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, server.UdpEndPoint.Port), Quick);

        await new MountV3Client(client).NullAsync().AsTask().WaitAsync(Timeout);
        var exports = await new MountV3Client(client).ExportAsync().AsTask().WaitAsync(Timeout);
        var nfs = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(NfsV3Program.Program, NfsV3Program.Version, 0, default, CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.That(exports.ToArray().Select(export => System.Text.Encoding.UTF8.GetString(export.ExDir.Span)), Is.EqualTo(new[] { "/export" }));
        Assert.That(nfs!.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail), "NFS is TCP-only");
        await server.StopAsync();
    }

    [Test]
    public async Task The_status_monitor_answers_over_udp_and_tcp_on_the_nfs_port_with_an_odd_state()
    {
        await using var server = await DittoServer.StartAsync(Config("true"), NullLoggerFactory.Instance);
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, server.UdpEndPoint!.Port), Quick);
        await using var tcp = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));
        var name = new SmName { MonName = "client"u8.ToArray() };

        var overUdp = await new SmV1Client(udp).StatAsync(name).AsTask().WaitAsync(Timeout);
        var overTcp = await new SmV1Client(tcp).StatAsync(name).AsTask().WaitAsync(Timeout);

        Assert.That((overUdp.ResStat, overTcp.ResStat), Is.EqualTo((Res.StatSucc, Res.StatSucc)));
        Assert.That((overUdp.State, overTcp.State), Is.EqualTo((server.HostMonitor.State, server.HostMonitor.State)));
        Assert.That(server.HostMonitor.State % 2, Is.EqualTo(1));
        await server.StopAsync();
    }

    [Test]
    public async Task With_udp_false_nothing_is_served_over_udp()
    {
        await using var server = await DittoServer.StartAsync(Config("false"), NullLoggerFactory.Instance);

        Assert.That(server.UdpEndPoint, Is.Null);
        await server.StopAsync();
    }

    [Test]
    public async Task Our_portmapper_answers_over_udp_and_lists_mount_and_nlm_for_udp_but_not_nfs()
    {
        await using var portmapper = (await Portmapper.StartAsync(PortmapMode.On, 20049, NullLoggerFactory.Instance, HotPathAllocationTests.FreePort(), servedOverUdp: DittoServer.IsServedOverUdp))!;
        await using var client = RpcUdpClient.Create(portmapper.LocalEndPoint!, Quick);
        var pmap = new PmapV2Client(client);

        var mappings = (await pmap.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray().Select(e => (e.Map.Prog, e.Map.Vers, e.Map.Prot, e.Map.Port));
        uint mountUdp = await pmap.GetportAsync(new Mapping { Prog = 100005, Vers = 3, Prot = Udp }).AsTask().WaitAsync(Timeout);
        uint nfsUdp = await pmap.GetportAsync(new Mapping { Prog = 100003, Vers = 3, Prot = Udp }).AsTask().WaitAsync(Timeout);

        uint own = (uint)portmapper.LocalEndPoint!.Port;
        Assert.That(mappings, Is.EquivalentTo(new[]
        {
            (100000u, 2u, Tcp, own),
            (100000u, 3u, Tcp, own),
            (100000u, 4u, Tcp, own),
            (100000u, 2u, Udp, own),
            (100000u, 3u, Udp, own),
            (100000u, 4u, Udp, own),
            (100003u, 3u, Tcp, 20049u),
            (100005u, 3u, Tcp, 20049u),
            (100005u, 3u, Udp, 20049u),
            (100021u, 1u, Tcp, 20049u),
            (100021u, 3u, Tcp, 20049u),
            (100021u, 4u, Tcp, 20049u),
            (100021u, 1u, Udp, 20049u),
            (100021u, 3u, Udp, 20049u),
            (100021u, 4u, Udp, 20049u),
            (100024u, 1u, Tcp, 20049u),
            (100024u, 1u, Udp, 20049u),
        }));
        Assert.That((mountUdp, nfsUdp), Is.EqualTo((20049u, 0u)));
    }

    [Test]
    public void Mount_nlm_and_the_status_monitor_are_served_over_udp_nfs_is_not()
    {
        Assert.That(DittoServer.IsServedOverUdp(MountV3Program.Program), Is.True);
        Assert.That(DittoServer.IsServedOverUdp(NlmV4Program.Program), Is.True);
        Assert.That(DittoServer.IsServedOverUdp(SmV1Program.Program), Is.True);
        Assert.That(DittoServer.IsServedOverUdp(NfsV3Program.Program), Is.False);
    }
}
