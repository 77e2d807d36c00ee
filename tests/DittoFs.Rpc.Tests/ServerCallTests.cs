using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>Well-formed calls over a raw socket: what a correct client sees.</summary>
public class ServerCallTests
{
    [Test]
    public async Task A_null_call_is_answered_with_success_and_no_results()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Test(0x1001, TestProcedure.Null));

        reply.AssertSuccess(0x1001);
        Assert.That(reply.Results, Is.Empty);
        Assert.That(reply.Body.Areply.Verf.Flavor, Is.EqualTo((uint)AuthFlavor.AuthNone));
        // Reported before the reply is sent, so it is there by now.
        var call = server.Observer.Calls.Single();
        Assert.That((call.Program, call.Version, call.Procedure, call.Status), Is.EqualTo((TestProgram.Number, 1u, TestProcedure.Null, RpcCallStatus.Success)));
        Assert.That(call.Duration, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task A_reply_is_sent_as_one_last_fragment()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendRecordAsync(CallMessage.Echo(0x1002, [1, 2, 3]));
        uint mark = BinaryPrimitives.ReadUInt32BigEndian(await connection.ReadExactlyAsync(4));

        // xid, REPLY, MSG_ACCEPTED, verifier (flavor, empty body), SUCCESS, then opaque<> of 3 bytes padded to 4.
        Assert.That(mark, Is.EqualTo(0x8000_0000u | (6 * 4 + 4 + 4)));
    }

    [Test]
    public async Task A_call_split_into_fragments_is_reassembled()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

        await connection.SendAsync(CallMessage.Fragments(CallMessage.Echo(0x1003, data), 3, 0, 500, 1));
        var reply = await connection.ReadReplyAsync();

        reply.AssertSuccess(0x1003);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(data));
    }

    [Test]
    public async Task A_one_mebibyte_argument_and_result_fit_the_default_record_size()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var data = new byte[1024 * 1024];
        new Random(5).NextBytes(data);

        var reply = await connection.CallAsync(CallMessage.Echo(0x1004, data));

        reply.AssertSuccess(0x1004);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(data));
    }

    [Test]
    public async Task Many_calls_sent_in_one_write_are_all_answered()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var xids = Enumerable.Range(1, 200).Select(i => (uint)i).ToArray();

        await connection.SendAsync([.. xids.SelectMany(xid => CallMessage.Record(
            xid % 2 == 0 ? CallMessage.Test(xid, TestProcedure.Null) : CallMessage.Echo(xid, BitConverter.GetBytes(xid))))]);
        var replies = await connection.ReadRepliesAsync(xids.Length);

        Assert.That(replies.Select(reply => reply.Xid), Is.EquivalentTo(xids));
        Assert.That(replies.All(reply => reply.IsAccepted(AcceptStat.Success)), Is.True);
        foreach (var reply in replies.Where(reply => reply.Xid % 2 == 1))
            Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(BitConverter.GetBytes(reply.Xid)));
    }

    [Test]
    public async Task An_auth_sys_call_carries_its_identity_to_the_service()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var credential = CallMessage.AuthSysBody(1000, 100, [4, 24, 27], "client-host");

        var reply = await connection.CallAsync(CallMessage.Build(0x1005, TestProgram.Number, 3, TestProcedure.WhoAmI,
            credentialFlavor: (uint)AuthFlavor.AuthSys, credentialBody: credential));

        reply.AssertSuccess(0x1005);
        var identity = reply.Decode<CallerIdentity, CallerIdentity>();
        Assert.That(identity.Xid, Is.EqualTo(0x1005));
        Assert.That((identity.Program, identity.Version, identity.Procedure), Is.EqualTo((TestProgram.Number, 3u, TestProcedure.WhoAmI)));
        Assert.That(identity.Flavor, Is.EqualTo((uint)AuthFlavor.AuthSys));
        Assert.That((identity.Uid, identity.Gid), Is.EqualTo((1000u, 100u)));
        Assert.That(identity.Gids, Is.EqualTo(new uint[] { 4, 24, 27 }));
        Assert.That(System.Text.Encoding.ASCII.GetString(identity.MachineName), Is.EqualTo("client-host"));
        Assert.That(identity.ClientPort, Is.Not.EqualTo(server.EndPoint.Port).And.GreaterThan(0));
    }

    [Test]
    public async Task An_auth_none_call_is_served_as_nobody()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Test(0x1006, TestProcedure.WhoAmI));

        var identity = reply.Decode<CallerIdentity, CallerIdentity>();
        Assert.That(identity.Flavor, Is.EqualTo((uint)AuthFlavor.AuthNone));
        Assert.That((identity.Uid, identity.Gid, identity.Gids.Length), Is.EqualTo((65534u, 65534u, 0)));
    }

    [Test]
    public async Task Contexts_reused_across_calls_do_not_leak_groups_from_an_earlier_caller()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        await connection.CallAsync(CallMessage.Build(1, TestProgram.Number, 1, TestProcedure.WhoAmI,
            credentialFlavor: (uint)AuthFlavor.AuthSys, credentialBody: CallMessage.AuthSysBody(1, 1, [1, 2, 3, 4], "a")));

        var reply = await connection.CallAsync(CallMessage.Build(2, TestProgram.Number, 1, TestProcedure.WhoAmI,
            credentialFlavor: (uint)AuthFlavor.AuthSys, credentialBody: CallMessage.AuthSysBody(2, 2, [], "b")));

        Assert.That(reply.Decode<CallerIdentity, CallerIdentity>().Gids, Is.Empty);
    }

    [Test]
    public async Task Programs_of_several_numbers_are_served_on_one_port()
    {
        await using var server = await TestServer.StartAsync(extraPrograms: new MountV3Dispatcher<RpcCallContext>(new FakeMountService()));
        await using var connection = await server.ConnectRawAsync();

        var mount = await connection.CallAsync(CallMessage.Build(1, MountV3Program.Program, MountV3Program.Version, (uint)MountV3Procedure.Null));
        var test = await connection.CallAsync(CallMessage.Test(2, TestProcedure.Null));

        mount.AssertSuccess(1);
        test.AssertSuccess(2);
    }
}
