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
    public async Task Dump_lists_the_portmapper_at_versions_2_to_4_nfs_mount_nlm_and_the_status_monitor()
    {
        var mappings = (await _pmap.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray().Select(e => (e.Map.Prog, e.Map.Vers, e.Map.Prot, e.Map.Port));

        Assert.That(mappings, Is.EquivalentTo(new[]
        {
            (100000u, 2u, Tcp, (uint)_portmapper.LocalEndPoint!.Port),
            (100000u, 3u, Tcp, (uint)_portmapper.LocalEndPoint!.Port),
            (100000u, 4u, Tcp, (uint)_portmapper.LocalEndPoint!.Port),
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

    private static Rpcb Query(uint program, uint version, string netid) => new()
    {
        RProg = program,
        RVers = version,
        RNetid = System.Text.Encoding.ASCII.GetBytes(netid),
        RAddr = Array.Empty<byte>(),
        ROwner = Array.Empty<byte>(),
    };

    private static string Text(ReadOnlyMemory<byte> bytes) => System.Text.Encoding.ASCII.GetString(bytes.Span);

    [TestCase("::1", "tcp6", "::1")]
    [TestCase("127.0.0.1", "tcp", "127.0.0.1")]
    public async Task Rpcbind_version_4_GETADDR_answers_the_address_the_caller_reached_for_each_netid(string over, string netid, string host)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Parse(over), _portmapper.LocalEndPoint!.Port));

        var address = await new RpcbV4Client(rpc).GetaddrAsync(Query(100005, 3, netid)).AsTask().WaitAsync(Timeout);

        Assert.That(Text(address.Value), Is.EqualTo($"{host}.{NfsPort >> 8}.{NfsPort & 0xFF}"));
    }

    [TestCase("::1", "::1")]
    [TestCase("127.0.0.1", "127.0.0.1")]
    public async Task Rpcbind_GETADDR_without_a_netid_answers_for_the_transport_it_is_asked_over(string over, string host)
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Parse(over), _portmapper.LocalEndPoint!.Port));

        var address = await new RpcbV3Client(rpc).GetaddrAsync(Query(100005, 3, "")).AsTask().WaitAsync(Timeout);

        Assert.That(Text(address.Value), Is.EqualTo($"{host}.{NfsPort >> 8}.{NfsPort & 0xFF}"), "as libnfs asks over IPv6");
    }

    [Test]
    public async Task Rpcbind_version_3_GETADDR_of_something_not_registered_is_empty()
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, _portmapper.LocalEndPoint!.Port));

        var address = await new RpcbV3Client(rpc).GetaddrAsync(Query(100003, 4, "tcp6")).AsTask().WaitAsync(Timeout);

        Assert.That(address.Length, Is.Zero);
    }

    [Test]
    public async Task Rpcbind_DUMP_lists_every_mapping_for_IPv4_and_IPv6_and_the_binder_itself_at_versions_2_to_4()
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, _portmapper.LocalEndPoint!.Port));

        var rows = (await new RpcbV4Client(rpc).DumpAsync().AsTask().WaitAsync(Timeout)).ToArray()
            .Select(e => (e.RpcbMap.RProg, e.RpcbMap.RVers, Netid: Text(e.RpcbMap.RNetid), Address: Text(e.RpcbMap.RAddr))).ToList();

        string portmapper = $"{_portmapper.LocalEndPoint.Port >> 8}.{_portmapper.LocalEndPoint.Port & 0xFF}", nfs = $"{NfsPort >> 8}.{NfsPort & 0xFF}";
        Assert.That(rows, Has.Member((100000u, 4u, "tcp6", "::." + portmapper)).And.Member((100000u, 2u, "tcp", "0.0.0.0." + portmapper)));
        Assert.That(rows, Has.Member((100003u, 3u, "tcp6", "::." + nfs)).And.Member((100003u, 3u, "tcp", "0.0.0.0." + nfs)));
        Assert.That(rows.Where(row => row.Netid == "tcp6").Select(row => (row.RProg, row.RVers)),
            Is.EquivalentTo(rows.Where(row => row.Netid == "tcp").Select(row => (row.RProg, row.RVers))), "every row for IPv6 too");
    }

    [Test]
    public async Task Rpcbind_SET_and_UNSET_from_this_host_change_one_netid_or_all()
    {
        await using var rpc = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, _portmapper.LocalEndPoint!.Port));
        var rpcb = new RpcbV3Client(rpc);
        var daemon = Query(400000, 1, "tcp6") with { RAddr = "::1.15.205"u8.ToArray(), ROwner = "0"u8.ToArray() };

        Assert.That(await rpcb.SetAsync(daemon).AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(await rpcb.SetAsync(daemon).AsTask().WaitAsync(Timeout), Is.False, "already mapped");
        Assert.That(await rpcb.SetAsync(Query(400000, 1, "udp6") with { RAddr = "not an address"u8.ToArray() }).AsTask().WaitAsync(Timeout), Is.False);
        Assert.That(Text((await rpcb.GetaddrAsync(Query(400000, 1, "tcp6")).AsTask().WaitAsync(Timeout)).Value), Is.EqualTo("::1.15.205"), "a specific address as registered");
        Assert.That(await rpcb.UnsetAsync(Query(400000, 1, "")).AsTask().WaitAsync(Timeout), Is.True);
        Assert.That((await rpcb.GetaddrAsync(Query(400000, 1, "tcp6")).AsTask().WaitAsync(Timeout)).Length, Is.Zero);
    }

    [Test]
    public async Task Rpcbind_version_4_procedures_beyond_version_3s_are_unavailable()
    {
        // GETVERSADDR (9): a client that gets PROC_UNAVAIL falls back to GETADDR.
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await _rpc.CallAsync<XdrVoid, XdrVoid>(100000, 4, 9, default, CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.That(refused!.AcceptStatus, Is.EqualTo(AcceptStat.ProcUnavail));
    }
}
