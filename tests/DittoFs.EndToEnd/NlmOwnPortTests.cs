using System.Net;
using DittoFs.Protocol;
using DittoFs.Rpc;
using static DittoFs.EndToEnd.NlmCalls;

namespace DittoFs.EndToEnd;

/// <summary>
/// The real dittofs with server.nlm_port and server.nsm_port set: the lock manager answers on its port over TCP and
/// UDP through the generated client, the status monitor on its own, and the NFS port answers PROG_UNAVAIL for both.
/// (What the portmapper lists is checked with rpcinfo in <see cref="PortmapperTests"/>, which needs port 111.)
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NlmOwnPortTests
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private ConfiguredServer _server = null!;
    private int _nlmPort, _nsmPort;

    [OneTimeSetUp]
    public void Start()
    {
        _nlmPort = DittoFsProcess.FreePort();
        _nsmPort = DittoFsProcess.FreePort();
        _server = ConfiguredServer.Start($"""
            server:
              nlm_port: {_nlmPort}
              nsm_port: {_nsmPort}
            locks:
              grace_period: 0s
            {ConfiguredServer.InMemoryShare}
            """);
    }

    [OneTimeTearDown]
    public void Stop() => _server?.Dispose();

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("dittofs output:\n" + _server.Process.Output);
    }

    [Test]
    public async Task Lock_and_test_work_at_the_nlm_port_over_tcp_and_udp()
    {
        byte[] file = await CreateFileAsync(_server.Port);
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _nlmPort, Options);
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _nlmPort), Options);
        var a = new NlmV4Client(tcp);
        var b = new NlmV4Client(udp);

        Assert.That(await LockAsync(a, Lock(file, "port-a", 1, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var holder = await TestAsync(b, Lock(file, "port-b", 2, 50, 1));
        Assert.That((holder.Stat, holder.Holder.Svid, holder.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1, 100UL)));
        Assert.That(await LockAsync(b, Lock(file, "port-b", 2, 50, 1)), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        Assert.That(await UnlockAsync(a, Lock(file, "port-a", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "port-b", 2, 50, 1)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task The_status_monitor_answers_at_its_port()
    {
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _nsmPort), Options);
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _nsmPort, Options);
        var name = new SmName { MonName = "127.0.0.1"u8.ToArray() };

        var overUdp = await new SmV1Client(udp).StatAsync(name).AsTask().WaitAsync(Timeout);
        var overTcp = await new SmV1Client(tcp).StatAsync(name).AsTask().WaitAsync(Timeout);

        Assert.That((overUdp.ResStat, overTcp.ResStat, overUdp.State % 2), Is.EqualTo((Res.StatSucc, Res.StatSucc, 1)));
    }

    [Test]
    public async Task The_nfs_port_answers_prog_unavail_for_nlm_and_nsm_and_still_serves_nfs()
    {
        byte[] file = await CreateFileAsync(_server.Port); // MOUNT and NFS on the NFS port
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _server.Port), Options);

        var nlmTcp = await Assert.ThrowsAsync<RpcException>(async () => await TestAsync(new NlmV4Client(tcp), Lock(file, "x", 1, 0, 1)));
        var nlmUdp = await Assert.ThrowsAsync<RpcException>(async () => await TestAsync(new NlmV4Client(udp), Lock(file, "x", 1, 0, 1)));
        var nsm = await Assert.ThrowsAsync<RpcException>(async () =>
            await new SmV1Client(tcp).StatAsync(new SmName { MonName = "127.0.0.1"u8.ToArray() }).AsTask().WaitAsync(Timeout));

        Assert.That((nlmTcp!.AcceptStatus, nlmUdp!.AcceptStatus, nsm!.AcceptStatus), Is.EqualTo((AcceptStat.ProgUnavail, AcceptStat.ProgUnavail, AcceptStat.ProgUnavail)));
    }
}
