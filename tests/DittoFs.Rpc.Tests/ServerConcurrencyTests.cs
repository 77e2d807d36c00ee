using DittoFs.Protocol;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Calls of one connection run concurrently and answer as they finish. Ordering is controlled with gates:
/// a gated call cannot finish before the test opens its gate, so no assertion depends on timing.
/// </summary>
public class ServerConcurrencyTests
{
    [Test]
    public async Task A_slow_call_does_not_hold_up_a_fast_one_behind_it()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync([.. CallMessage.Record(CallMessage.Gated(0x4001, 1)), .. CallMessage.Record(CallMessage.Test(0x4002, TestProcedure.Null))]);
        var first = await connection.ReadReplyAsync();
        server.Gates[1].Open();
        var second = await connection.ReadReplyAsync();

        first.AssertSuccess(0x4002);
        second.AssertSuccess(0x4001);
    }

    [Test]
    public async Task Replies_leave_in_the_order_calls_finish()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        await connection.SendAsync([.. CallMessage.Record(CallMessage.Gated(0x4003, 3)), .. CallMessage.Record(CallMessage.Gated(0x4004, 4))]);
        await Task.WhenAll(server.Gates[3].Entered, server.Gates[4].Entered).Within();

        server.Gates[4].Open();
        var first = await connection.ReadReplyAsync();
        server.Gates[3].Open();
        var second = await connection.ReadReplyAsync();

        first.AssertSuccess(0x4004);
        Assert.That(first.Decode<uint, DittoFs.Xdr.XdrUInt32Codec>(), Is.EqualTo(4));
        second.AssertSuccess(0x4003);
        Assert.That(second.Decode<uint, DittoFs.Xdr.XdrUInt32Codec>(), Is.EqualTo(3));
    }

    [Test]
    public async Task At_the_in_flight_limit_the_next_call_waits_for_a_reply_to_leave()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxInFlightPerConnection = 2);
        await using var connection = await server.ConnectRawAsync();
        await connection.SendAsync([
            .. CallMessage.Record(CallMessage.Gated(0x4005, 5)),
            .. CallMessage.Record(CallMessage.Gated(0x4006, 6)),
            .. CallMessage.Record(CallMessage.Test(0x4007, TestProcedure.Null)),
        ]);
        await Task.WhenAll(server.Gates[5].Entered, server.Gates[6].Entered).Within();

        // Without the limit the NULL call would already have been answered; with it, it is not even read
        // until the reply of a gated call has been sent.
        server.Gates[5].Open();
        var first = await connection.ReadReplyAsync();
        var second = await connection.ReadReplyAsync();
        server.Gates[6].Open();
        var third = await connection.ReadReplyAsync();

        first.AssertSuccess(0x4005);
        second.AssertSuccess(0x4007);
        third.AssertSuccess(0x4006);
    }

    [Test]
    public async Task Connections_are_served_independently()
    {
        await using var server = await TestServer.StartAsync();
        await using var blocked = await server.ConnectRawAsync();
        await using var other = await server.ConnectRawAsync();
        await blocked.SendRecordAsync(CallMessage.Gated(0x4008, 8));
        await server.Gates[8].Entered.Within();

        var reply = await other.CallAsync(CallMessage.Test(0x4009, TestProcedure.Null));

        reply.AssertSuccess(0x4009);
        server.Gates[8].Open();
        (await blocked.ReadReplyAsync()).AssertSuccess(0x4008);
    }

    [Test]
    public async Task Many_connections_with_many_pipelined_calls_all_get_their_replies()
    {
        await using var server = await TestServer.StartAsync();
        const int connections = 8, callsEach = 100;

        await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            await using var connection = await server.ConnectRawAsync();
            var xids = Enumerable.Range(0, callsEach).Select(i => (uint)(c * 1000 + i)).ToArray();
            await connection.SendAsync([.. xids.SelectMany(xid => CallMessage.Record(CallMessage.Echo(xid, BitConverter.GetBytes(xid))))]);
            var replies = await connection.ReadRepliesAsync(callsEach);
            Assert.That(replies.Select(reply => reply.Xid), Is.EquivalentTo(xids));
            Assert.That(replies.All(reply => reply.IsAccepted(AcceptStat.Success)
                && reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().Span.SequenceEqual(BitConverter.GetBytes(reply.Xid))), Is.True);
        })).Within();
    }
}
