using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Portmap;
using DittoFs.Server.Tests.Metrics;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Portmap;

/// <summary>
/// The portmapper DittoFs runs when nothing else answers on its port (a free port here, not 111), asked over TCP
/// with the generated client stub as any rpcbind client would.
/// </summary>
[NonParallelizable]
public sealed class PortmapperTests
{
    private const uint Tcp = 6, Udp = 17;
    private const uint NfsPort = 20049;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private Portmapper _portmapper = null!;
    private RpcClient _rpc = null!;
    private PmapV2Client _pmap = null!;

    [SetUp]
    public async Task Start()
    {
        _portmapper = (await Portmapper.StartAsync(PortmapMode.On, (int)NfsPort, NullLoggerFactory.Instance, HotPathAllocationTests.FreePort()))!;
        _rpc = await RpcClient.ConnectAsync(_portmapper.LocalEndPoint!);
        _pmap = new PmapV2Client(_rpc);
    }

    [TearDown]
    public async Task Stop()
    {
        await _rpc.DisposeAsync();
        await _portmapper.DisposeAsync();
    }

    private Task<uint> GetPortAsync(uint program, uint version, uint protocol = Tcp) =>
        _pmap.GetportAsync(new Mapping { Prog = program, Vers = version, Prot = protocol }).AsTask().WaitAsync(Timeout);

    [Test]
    public async Task Getport_answers_the_server_port_for_nfs_v3_and_mount_v3_over_tcp()
    {
        Assert.That(await GetPortAsync(100003, 3), Is.EqualTo(NfsPort));
        Assert.That(await GetPortAsync(100005, 3), Is.EqualTo(NfsPort));
    }

    [Test]
    public async Task Getport_answers_zero_for_anything_not_registered()
    {
        Assert.That(await GetPortAsync(100021, 2), Is.Zero, "NLM v2 is not served");
        Assert.That(await GetPortAsync(100003, 4), Is.Zero, "NFS v4 is not served");
        Assert.That(await GetPortAsync(100003, 3, Udp), Is.Zero, "nor is UDP");
    }

    [Test]
    public async Task Dump_lists_the_portmapper_nfs_mount_nlm_and_the_status_monitor()
    {
        var mappings = (await _pmap.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray().Select(e => (e.Map.Prog, e.Map.Vers, e.Map.Prot, e.Map.Port));

        Assert.That(mappings, Is.EquivalentTo(new[]
        {
            (100000u, 2u, Tcp, (uint)_portmapper.LocalEndPoint!.Port),
            (100003u, 3u, Tcp, NfsPort),
            (100005u, 3u, Tcp, NfsPort),
            (100021u, 1u, Tcp, NfsPort),
            (100021u, 3u, Tcp, NfsPort),
            (100021u, 4u, Tcp, NfsPort),
            (100024u, 1u, Tcp, NfsPort),
        }));
    }

    [Test]
    public async Task A_local_program_can_register_and_unregister()
    {
        // A program of the user-defined range (0x20000000 and up would do as well), registered by a local daemon.
        var nsm = new Mapping { Prog = 400000, Vers = 1, Prot = Tcp, Port = 4045 };

        Assert.That(await _pmap.SetAsync(nsm).AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(await GetPortAsync(400000, 1), Is.EqualTo(4045u));
        Assert.That(await _pmap.SetAsync(nsm with { Port = 4046 }).AsTask().WaitAsync(Timeout), Is.False, "already mapped");
        Assert.That(await _pmap.UnsetAsync(nsm).AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(await GetPortAsync(400000, 1), Is.Zero);
    }

    [Test]
    public async Task Callit_is_refused_as_unavailable()
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await _pmap.CallitAsync(new CallArgs { Prog = 100003, Vers = 3, Proc = 0, Args = Array.Empty<byte>() }).AsTask().WaitAsync(Timeout));
        Assert.That(refused!.AcceptStatus, Is.EqualTo(AcceptStat.ProcUnavail));
    }

    [TestCase(3u)]
    [TestCase(4u)]
    public async Task Rpcbind_versions_get_a_version_mismatch_so_clients_fall_back_to_version_2(uint version)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await _rpc.CallAsync<XdrVoid, XdrVoid>(100000, version, 0, default, CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.That((refused!.AcceptStatus, refused.MismatchLow, refused.MismatchHigh), Is.EqualTo((AcceptStat.ProgMismatch, 2u, 2u)));
    }
}
