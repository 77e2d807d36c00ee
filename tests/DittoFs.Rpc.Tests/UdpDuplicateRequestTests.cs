using System.Net;
using DittoFs.Protocol;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// The duplicate request cache over UDP, where retransmission is the normal way to recover a lost datagram: a
/// retransmitted non-idempotent call gets the first reply, byte for byte, without running again; a copy of a call still
/// running is dropped; the key includes the sender's port; the cache is bounded by entries and by bytes.
/// </summary>
public class UdpDuplicateRequestTests
{
    // The test program's NULL, ECHO and GATED (version 1) stand in for non-idempotent procedures; NULL counts its runs.
    private static Task<TestServer> StartAsync(int capacity = 4096, long maxBytes = 16 << 20) => TestServer.StartUdpAsync(options =>
    {
        options.NonIdempotentProcedures = (program, version, procedure) =>
            program == TestProgram.Number && version == 1 && procedure is TestProcedure.Null or TestProcedure.Echo or TestProcedure.Gated;
        options.DuplicateRequestCacheSize = capacity;
        options.DuplicateRequestCacheMaxBytes = maxBytes;
    });

    [Test]
    public async Task A_retransmission_gets_the_first_reply_without_running_again()
    {
        await using var server = await StartAsync();
        using var client = server.Datagrams();
        var call = CallMessage.Test(0x8001, TestProcedure.Null);

        await client.SendAsync(call);
        var first = await client.ReceiveRawAsync();
        await client.SendAsync(call);
        var second = await client.ReceiveRawAsync();

        Assert.That(second, Is.EqualTo(first));
        ReplyMessage.Parse(second).AssertSuccess(0x8001);
        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_xid_from_another_port_is_another_call()
    {
        await using var server = await StartAsync();
        using var one = server.Datagrams();
        using var other = server.Datagrams();

        (await one.CallAsync(CallMessage.Test(0x8002, TestProcedure.Null))).AssertSuccess(0x8002);
        (await other.CallAsync(CallMessage.Test(0x8002, TestProcedure.Null))).AssertSuccess(0x8002);

        Assert.That(server.Program.NullCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task The_same_xid_with_other_arguments_is_a_new_call()
    {
        await using var server = await StartAsync();
        using var client = server.Datagrams();

        await client.CallAsync(CallMessage.Echo(0x8003, [1, 2, 3]));
        var second = await client.CallAsync(CallMessage.Echo(0x8003, [4, 5, 6]));

        Assert.That(second.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
    }

    [Test]
    public async Task A_retransmission_of_a_call_still_running_is_dropped()
    {
        await using var server = await StartAsync();
        using var client = server.Datagrams();
        var gated = CallMessage.Gated(0x8004, 4);

        await client.SendAsync(gated);
        await server.Gates[4].Entered.Within();
        await client.SendAsync(gated);
        await Bounded.Until(() => server.Observer.Calls.Any(c => c.Status == RpcCallStatus.Dropped), "the copy is dropped");
        server.Gates[4].Open();

        (await client.ReceiveReplyAsync()).AssertSuccess(0x8004);
        // The next datagram back is the next call's: the dropped copy sent nothing.
        (await client.CallAsync(CallMessage.Test(0x8005, TestProcedure.Null))).AssertSuccess(0x8005);
    }

    [Test]
    public async Task Procedures_outside_the_policy_run_again()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.NonIdempotentProcedures = (_, _, _) => false);
        using var client = server.Datagrams();

        await client.CallAsync(CallMessage.Test(0x8006, TestProcedure.Null));
        await client.CallAsync(CallMessage.Test(0x8006, TestProcedure.Null));

        Assert.That(server.Program.NullCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task The_oldest_replies_are_forgotten_beyond_the_entry_limit()
    {
        await using var server = await StartAsync(capacity: 2);
        using var client = server.Datagrams();

        await client.CallAsync(CallMessage.Test(0x8010, TestProcedure.Null));
        await client.CallAsync(CallMessage.Test(0x8011, TestProcedure.Null));
        await client.CallAsync(CallMessage.Test(0x8012, TestProcedure.Null));
        await client.CallAsync(CallMessage.Test(0x8011, TestProcedure.Null)); // still kept: replayed
        await client.CallAsync(CallMessage.Test(0x8010, TestProcedure.Null)); // forgotten: runs again

        Assert.That(server.Program.NullCalls, Is.EqualTo(4));
        Assert.That(server.Server.UdpDuplicateRequests!.Count, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public async Task The_oldest_replies_are_forgotten_beyond_the_byte_limit()
    {
        // Each ECHO of 1000 bytes keeps a reply of a little over 1 KiB: three do not fit in 2.5 KiB.
        await using var server = await StartAsync(maxBytes: 2560);
        using var client = server.Datagrams();

        for (uint xid = 0x8020; xid < 0x8030; xid++)
            await client.CallAsync(CallMessage.Echo(xid, new byte[1000]));
        await client.CallAsync(CallMessage.Test(0x8030, TestProcedure.Null));
        await client.CallAsync(CallMessage.Test(0x8030, TestProcedure.Null)); // the newest: replayed

        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
        Assert.That(server.Server.UdpDuplicateRequests!.Bytes, Is.LessThanOrEqualTo(2560));
        Assert.That(server.Server.UdpDuplicateRequests!.Count, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public async Task Tcp_and_udp_keep_separate_caches()
    {
        await using var server = await StartAsync();
        using var client = server.Datagrams();
        await using var connection = await server.ConnectRawAsync();

        (await client.CallAsync(CallMessage.Test(0x8040, TestProcedure.Null))).AssertSuccess(0x8040);
        (await connection.CallAsync(CallMessage.Test(0x8040, TestProcedure.Null))).AssertSuccess(0x8040);

        Assert.That(server.Program.NullCalls, Is.EqualTo(2));
    }
}

/// <summary>The cache's bounds, without a server.</summary>
public class DuplicateRequestCacheBoundsTests
{
    private static DuplicateRequestCache.Key Key(uint xid, int port = 1000) => new(IPAddress.Loopback, port, xid, 1, 1, 1, 0);

    [Test]
    public void Replies_beyond_the_byte_limit_push_out_the_oldest()
    {
        var cache = new DuplicateRequestCache(capacity: 100, maxBytes: 1000, keyByPort: true, (_, _, _) => true);
        for (uint xid = 1; xid <= 10; xid++)
        {
            cache.Begin(Key(xid), out _);
            cache.Complete(Key(xid), new byte[300]);
            Assert.That(cache.Bytes, Is.LessThanOrEqualTo(1000));
        }

        Assert.That(cache.Begin(Key(10), out var newest), Is.EqualTo(DuplicateRequestCache.Outcome.Replay));
        Assert.That(newest, Has.Length.EqualTo(300));
        Assert.That(cache.Begin(Key(1), out _), Is.EqualTo(DuplicateRequestCache.Outcome.New), "the oldest was forgotten");
    }

    [Test]
    public void A_reply_larger_than_the_whole_cache_is_not_kept_and_its_call_may_run_again()
    {
        var cache = new DuplicateRequestCache(capacity: 100, maxBytes: 100, keyByPort: true, (_, _, _) => true);
        cache.Begin(Key(1), out _);

        cache.Complete(Key(1), new byte[101]);

        Assert.That((cache.Count, cache.Bytes), Is.EqualTo((0, 0L)));
        Assert.That(cache.Begin(Key(1), out _), Is.EqualTo(DuplicateRequestCache.Outcome.New), "not stuck as running");
    }

    [Test]
    public void A_call_abandoned_and_begun_again_is_not_forgotten_by_its_first_queue_entry()
    {
        var cache = new DuplicateRequestCache(capacity: 2, maxBytes: 1 << 20, keyByPort: true, (_, _, _) => true);
        cache.Begin(Key(1), out _);
        cache.Abandon(Key(1));
        cache.Begin(Key(1), out _);
        cache.Complete(Key(1), new byte[10]);

        cache.Begin(Key(2), out _); // pushes out the abandoned entry's place in the queue, not the new entry

        Assert.That(cache.Begin(Key(1), out _), Is.EqualTo(DuplicateRequestCache.Outcome.Replay));
    }

    [Test]
    public void Over_tcp_the_port_is_not_part_of_the_key_and_over_udp_it_is()
    {
        var header = new RpcCallHeader { Xid = 5, Program = 1, Version = 1, Procedure = 1 };
        var tcp = new DuplicateRequestCache(10, 1000, keyByPort: false, (_, _, _) => true);
        var udp = new DuplicateRequestCache(10, 1000, keyByPort: true, (_, _, _) => true);

        Assert.That(tcp.KeyOf(new IPEndPoint(IPAddress.Loopback, 1), header, []), Is.EqualTo(tcp.KeyOf(new IPEndPoint(IPAddress.Loopback, 2), header, [])));
        Assert.That(udp.KeyOf(new IPEndPoint(IPAddress.Loopback, 1), header, []), Is.Not.EqualTo(udp.KeyOf(new IPEndPoint(IPAddress.Loopback, 2), header, [])));
    }
}
