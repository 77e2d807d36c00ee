using System.Net;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using static DittoFs.EndToEnd.NlmCalls;

namespace DittoFs.EndToEnd;

/// <summary>
/// The lock manager of the real dittofs process, driven through the generated <see cref="NlmV4Client"/> over TCP
/// and over UDP: two clients (two caller names) contend, a blocked lock is granted by a GRANTED call back to a
/// lock manager this test runs, CANCEL withdraws a waiter, TEST names the holder.
/// <para>
/// The test's lock manager (<see cref="PeerLockManager"/>) is an RPC server on loopback and a portmapper that lists it. dittofs
/// finds a client's lock manager through the portmapper on the client's host, port 111; the test cannot own port
/// 111 on a shared machine, so the server is told where the test's portmapper is (locks.peer_portmap_port).
/// </para>
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NlmTests
{
    private static readonly TimeSpan Timeout = NlmCalls.Timeout;
    private PeerLockManager _peer = null!;
    private ConfiguredServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _peer = await PeerLockManager.StartAsync();
        _server = ConfiguredServer.Start($"""
            locks:
              grace_period: 0s
              peer_portmap_port: {_peer.PortmapPort}
            {ConfiguredServer.InMemoryShare}
            """);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _server?.Dispose();
        if (_peer is not null)
            await _peer.DisposeAsync();
    }

    [TearDown]
    public void ShowServerOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("dittofs output:\n" + _server.Process.Output);
    }

    private Task<byte[]> CreateFileAsync() => NlmCalls.CreateFileAsync(_server.Port);

    [Test]
    public async Task Two_clients_contend_over_tcp()
    {
        byte[] file = await CreateFileAsync();
        await using var tcpA = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        await using var tcpB = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        var a = new NlmV4Client(tcpA);
        var b = new NlmV4Client(tcpB);

        // Shared locks coexist; exclusive conflicts with them.
        Assert.That(await LockAsync(a, Lock(file, "host-a", 1, 0, 100), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "host-b", 2, 50, 100), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "host-b", 2, 90, 20)), Is.EqualTo(Nlm4Stats.Nlm4Denied), "overlaps a's shared lock");
        // Upgrade in place once b is out of the way.
        Assert.That(await UnlockAsync(b, Lock(file, "host-b", 2, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(a, Lock(file, "host-a", 1, 0, 100)), Is.EqualTo(Nlm4Stats.Nlm4Granted), "upgrade");
        var holder = await TestAsync(b, Lock(file, "host-b", 2, 10, 1), exclusive: false);
        Assert.That((holder.Stat, holder.Holder.Exclusive, holder.Holder.Svid, Encoding.UTF8.GetString(holder.Holder.Oh.Span), holder.Holder.LOffset, holder.Holder.LLen),
            Is.EqualTo((Nlm4Stats.Nlm4Denied, true, 1, "host-a/1", 0UL, 100UL)));
        // A partial unlock splits the range: the hole is free, both sides still held.
        Assert.That(await UnlockAsync(a, Lock(file, "host-a", 1, 40, 20)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "host-b", 2, 40, 20)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var right = await TestAsync(b, Lock(file, "host-b", 3, 59, 10));
        Assert.That((right.Stat, right.Holder.Svid, right.Holder.LOffset, right.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 2, 40UL, 20UL)));
        var beyond = await TestAsync(b, Lock(file, "host-b", 3, 60, 10));
        Assert.That((beyond.Stat, beyond.Holder.Svid, beyond.Holder.LOffset, beyond.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 1, 60UL, 40UL)));
        Assert.That((await TestAsync(b, Lock(file, "host-b", 3, 100, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(a, Lock(file, "host-a", 1, ulong.MaxValue, 2)), Is.EqualTo(Nlm4Stats.Nlm4Fbig));
    }

    [Test]
    public async Task Two_clients_contend_over_udp()
    {
        byte[] file = await CreateFileAsync();
        await using var udpA = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _server.Port), Options);
        await using var udpB = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _server.Port), Options);
        var a = new NlmV4Client(udpA);
        var b = new NlmV4Client(udpB);
        await a.NullAsync().AsTask().WaitAsync(Timeout);

        Assert.That(await LockAsync(a, Lock(file, "udp-a", 7, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "udp-b", 8, 5, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Denied));
        var holder = await TestAsync(b, Lock(file, "udp-b", 8, 0, 0));
        Assert.That((holder.Stat, holder.Holder.Svid, holder.Holder.LLen), Is.EqualTo((Nlm4Stats.Nlm4Denied, 7, 10UL)));
        Assert.That(await UnlockAsync(a, Lock(file, "udp-a", 7, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(b, Lock(file, "udp-b", 8, 5, 10), exclusive: false), Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task A_blocked_lock_is_granted_by_a_callback_when_the_holder_unlocks()
    {
        byte[] file = await CreateFileAsync();
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        var nlm = new NlmV4Client(tcp);
        Assert.That(await LockAsync(nlm, Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var waiting = _peer.ExpectGranted(file, svid: 2);
        Assert.That(await LockAsync(nlm, Lock(file, "waiter", 2, 100, 50), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(waiting.IsCompleted, Is.False);

        Assert.That(await UnlockAsync(nlm, Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        var granted = await waiting.WaitAsync(Timeout);

        Assert.That((granted.Version, granted.Message, granted.Exclusive, granted.Svid, granted.Offset, granted.Length, granted.OwnerHandle),
            Is.EqualTo((4u, false, true, 2, 100UL, 50UL, "waiter/2")));
        var holder = await TestAsync(nlm, Lock(file, "holder", 1, 0, 0));
        Assert.That((holder.Stat, holder.Holder.Svid), Is.EqualTo((Nlm4Stats.Nlm4Denied, 2)), "the waiter holds it now");
    }

    [Test]
    public async Task Cancel_withdraws_a_waiter()
    {
        byte[] file = await CreateFileAsync();
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        var nlm = new NlmV4Client(tcp);
        Assert.That(await LockAsync(nlm, Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        Assert.That(await LockAsync(nlm, Lock(file, "waiter", 2, 0, 10), block: true), Is.EqualTo(Nlm4Stats.Nlm4Blocked));
        Assert.That(await CancelAsync(nlm, Lock(file, "waiter", 2, 0, 10)), Is.EqualTo(Nlm4Stats.Nlm4Granted));

        Assert.That(await UnlockAsync(nlm, Lock(file, "holder", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4Granted));
        // A grant happens inside the unlock, before its reply: had the waiter stayed, it would hold the range now.
        Assert.That((await TestAsync(nlm, Lock(file, "third", 3, 0, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted));
    }

    [Test]
    public async Task Lock_calls_with_a_foreign_handle_are_stale()
    {
        await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        var nlm = new NlmV4Client(tcp);
        Assert.That(await LockAsync(nlm, Lock([1, 2, 3], "x", 1, 0, 0)), Is.EqualTo(Nlm4Stats.Nlm4StaleFh));
    }

    [Test]
    public async Task Lock_msg_over_udp_is_answered_by_a_lock_res_call_to_the_callers_lock_manager()
    {
        byte[] file = await CreateFileAsync();
        await using var udp = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, _server.Port), Options);
        var nlm = new NlmV4Client(udp);
        var first = _peer.ExpectResult("msg-1");
        var second = _peer.ExpectResult("msg-2");

        await nlm.LockMsgAsync(new Nlm4Lockargs { Cookie = "msg-1"u8.ToArray(), Exclusive = true, Alock = Lock(file, "msg-a", 1, 0, 10) }).AsTask().WaitAsync(Timeout);
        Assert.That((Nlm4Stats)(await first.WaitAsync(Timeout)).Status, Is.EqualTo(Nlm4Stats.Nlm4Granted));
        await nlm.LockMsgAsync(new Nlm4Lockargs { Cookie = "msg-2"u8.ToArray(), Exclusive = true, Alock = Lock(file, "msg-b", 2, 5, 10) }).AsTask().WaitAsync(Timeout);
        Assert.That((Nlm4Stats)(await second.WaitAsync(Timeout)).Status, Is.EqualTo(Nlm4Stats.Nlm4Denied));
    }

    /// <summary>
    /// 64 clients, each on its own connection, race for one exclusive byte while each also locks a byte of its
    /// own: the contended byte is never held by two at once (the test notes who is inside between grant and
    /// unlock), every answer is granted or denied, the uncontended bytes are always granted, and nothing is left
    /// held at the end.
    /// </summary>
    [Test]
    public async Task Sixty_four_clients_contending_for_one_range_never_hold_it_together()
    {
        byte[] file = await CreateFileAsync();
        const int Clients = 64;
        const int Rounds = 25;
        int inside = 0, overlaps = 0, granted = 0, denied = 0, unexpected = 0;
        var clients = Enumerable.Range(0, Clients).Select(async client =>
        {
            await using var tcp = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
            var nlm = new NlmV4Client(tcp);
            for (int round = 0; round < Rounds; round++)
            {
                var contended = Lock(file, $"load-{client}", client, 0, 1);
                var status = await LockAsync(nlm, contended);
                if (status == Nlm4Stats.Nlm4Granted)
                {
                    if (Interlocked.Increment(ref inside) != 1)
                        Interlocked.Increment(ref overlaps);
                    Interlocked.Increment(ref granted);
                    Interlocked.Decrement(ref inside);
                    if (await UnlockAsync(nlm, contended) != Nlm4Stats.Nlm4Granted)
                        Interlocked.Increment(ref unexpected);
                }
                else if (status == Nlm4Stats.Nlm4Denied)
                    Interlocked.Increment(ref denied);
                else
                    Interlocked.Increment(ref unexpected);

                var own = Lock(file, $"load-{client}", client, 1000 + (ulong)client, 1);
                if (await LockAsync(nlm, own) != Nlm4Stats.Nlm4Granted || await UnlockAsync(nlm, own) != Nlm4Stats.Nlm4Granted)
                    Interlocked.Increment(ref unexpected);
            }
        }).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.That((overlaps, unexpected), Is.EqualTo((0, 0)));
        Assert.That(granted + denied, Is.EqualTo(Clients * Rounds));
        Assert.That(granted, Is.GreaterThan(0));
        await using var check = await RpcClient.ConnectAsync("127.0.0.1", _server.Port, Options);
        Assert.That((await TestAsync(new NlmV4Client(check), Lock(file, "checker", 1, 0, 0))).Stat, Is.EqualTo(Nlm4Stats.Nlm4Granted), "nothing left held");
        TestContext.Out.WriteLine($"{Clients} clients x {Rounds} rounds: {granted} granted, {denied} denied");
    }
}
