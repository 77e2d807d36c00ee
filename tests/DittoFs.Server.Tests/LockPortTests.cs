using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Configuration;
using DittoFs.Server.Tests.Metrics;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests;

/// <summary>
/// server.nlm_port and server.nsm_port: the lock manager and the status monitor on ports of their own (TCP and UDP),
/// no longer on the NFS port (PROG_UNAVAIL there), one server for both when the ports are the same, each listed at its
/// port; a port in use fails the start naming the key.
/// </summary>
[NonParallelizable]
public sealed class LockPortTests
{
    private const uint Tcp = 6, Udp = 17;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly RpcClientOptions Quick = new() { RetransmitInterval = TimeSpan.FromMilliseconds(200), CallTimeout = Timeout };

    private static DittoConfig Config(int nlmPort, int nsmPort, string udp = "true") => new()
    {
        Server = new ServerSection { Port = 0, Portmap = "false", Udp = udp, NlmPort = nlmPort, NsmPort = nsmPort },
        Metrics = new MetricsSection { Enabled = false },
        Locks = new LocksSection { GracePeriod = "0s" },
        Metadata = new() { Stores = { ["meta"] = new MetadataStoreConfig { Type = "memory" } } },
        Content = new() { Stores = { ["bytes"] = new ContentStoreConfig { Type = "memory" } } },
        Shares = { new ShareConfig { Name = "/export", MetadataStore = "meta", ContentStore = "bytes" } },
    };

    private static async Task<AcceptStat> NullAsync(IXdrCallTransport client, uint program, uint version)
    {
        try
        {
            await client.CallAsync<XdrVoid, XdrVoid>(program, version, 0, default, CancellationToken.None).AsTask().WaitAsync(Timeout);
            return AcceptStat.Success;
        }
        catch (RpcException exception) when (exception.AcceptStatus is { } status)
        {
            return status;
        }
    }

    [Test]
    public async Task Nlm_and_nsm_answer_on_their_ports_and_not_on_the_nfs_port()
    {
        int nlmPort = HotPathAllocationTests.FreePort(), nsmPort = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(Config(nlmPort, nsmPort), NullLoggerFactory.Instance);
        int nfsPort = server.LocalEndPoint.Port;
        Assert.That((server.NlmEndPoint.Port, server.NsmEndPoint.Port), Is.EqualTo((nlmPort, nsmPort)));

        await using var nfsTcp = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, nfsPort));
        await using var nlmTcp = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, nlmPort));
        await using var nsmTcp = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, nsmPort));
        await using var nfsUdp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, nfsPort), Quick);
        await using var nlmUdp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, nlmPort), Quick);
        await using var nsmUdp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, nsmPort), Quick);

        Assert.That(await NullAsync(nlmTcp, NlmV4Program.Program, 4), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(nlmTcp, NlmV1Program.Program, 1), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(nlmUdp, NlmV4Program.Program, 4), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(nsmTcp, SmV1Program.Program, 1), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(nsmUdp, SmV1Program.Program, 1), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(nfsTcp, NlmV4Program.Program, 4), Is.EqualTo(AcceptStat.ProgUnavail), "NLM is not on the NFS port");
        Assert.That(await NullAsync(nfsUdp, NlmV4Program.Program, 4), Is.EqualTo(AcceptStat.ProgUnavail));
        Assert.That(await NullAsync(nfsTcp, SmV1Program.Program, 1), Is.EqualTo(AcceptStat.ProgUnavail), "NSM is not on the NFS port");
        Assert.That(await NullAsync(nlmTcp, SmV1Program.Program, 1), Is.EqualTo(AcceptStat.ProgUnavail), "NSM is not on the NLM port");
        Assert.That(await NullAsync(nsmTcp, NfsV3Program.Program, 3), Is.EqualTo(AcceptStat.ProgUnavail), "NFS is not on the NSM port");
        Assert.That(await NullAsync(nfsTcp, MountV3Program.Program, 3), Is.EqualTo(AcceptStat.Success));

        var (n, s, f) = ((uint)nlmPort, (uint)nsmPort, (uint)nfsPort);
        Assert.That(server.Mappings.Select(m => (m.Prog, m.Vers, m.Prot, m.Port)), Is.EquivalentTo(new[]
        {
            (100003u, 3u, Tcp, f), (100003u, 4u, Tcp, f),
            (100005u, 3u, Tcp, f), (100005u, 3u, Udp, f),
            (100021u, 1u, Tcp, n), (100021u, 3u, Tcp, n), (100021u, 4u, Tcp, n),
            (100021u, 1u, Udp, n), (100021u, 3u, Udp, n), (100021u, 4u, Udp, n),
            (100024u, 1u, Tcp, s), (100024u, 1u, Udp, s),
        }));
        await server.StopAsync();
    }

    [Test]
    public async Task Nlm_and_nsm_share_a_port_when_both_name_it()
    {
        int lockPort = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(Config(lockPort, lockPort, udp: "false"), NullLoggerFactory.Instance);
        await using var locks = await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, lockPort));

        Assert.That(await NullAsync(locks, NlmV3Program.Program, 3), Is.EqualTo(AcceptStat.Success));
        Assert.That(await NullAsync(locks, SmV1Program.Program, 1), Is.EqualTo(AcceptStat.Success));
        Assert.That(server.Mappings.Where(m => m.Prog is 100021 or 100024).Select(m => (m.Prot, m.Port)).Distinct(), Is.EqualTo(new[] { (Tcp, (uint)lockPort) }), "TCP only, the one port");
        await server.StopAsync();
    }

    [Test]
    public async Task Only_nsm_on_a_port_of_its_own_leaves_nlm_on_the_nfs_port()
    {
        int nsmPort = HotPathAllocationTests.FreePort();
        await using var server = await DittoServer.StartAsync(Config(0, nsmPort), NullLoggerFactory.Instance);

        Assert.That((server.NlmEndPoint, server.NsmEndPoint.Port), Is.EqualTo((server.LocalEndPoint, nsmPort)));
        Assert.That(server.Mappings.Where(m => m.Prog == 100021).Select(m => m.Port).Distinct(), Is.EqualTo(new[] { (uint)server.LocalEndPoint.Port }));
        await server.StopAsync();
    }

    [TestCase(true, "server.nlm_port")]
    [TestCase(false, "server.nsm_port")]
    public async Task A_lock_port_in_use_fails_the_start_naming_the_key(bool nlm, string key)
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var failure = await Assert.ThrowsAsync<StartupException>(() => DittoServer.StartAsync(Config(nlm ? port : 0, nlm ? 0 : port, udp: "false"), NullLoggerFactory.Instance));

        Assert.That(failure!.Key, Is.EqualTo(key));
        Assert.That(failure.Message, Does.Contain($"port {port} is in use"));
    }
}
