using System.Net;
using DittoFs.Protocol;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// ONC RPC over UDP on the server's TCP port: one datagram per call, the reply to the sender's port, the RFC 5531 §9
/// error replies as over TCP, datagrams that are not calls dropped without harm, and replies too long for a datagram
/// answered SYSTEM_ERR.
/// </summary>
public class UdpTransportTests
{
    [Test]
    public async Task Udp_is_served_on_the_tcp_port()
    {
        await using var server = await TestServer.StartUdpAsync();

        Assert.That(server.UdpEndPoint.Port, Is.EqualTo(server.EndPoint.Port));
        await server.AssertServesFreshConnectionAsync(); // TCP unaffected
    }

    [Test]
    public async Task A_null_call_is_answered_to_the_senders_port()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7001, TestProcedure.Null));

        reply.AssertSuccess(0x7001);
        Assert.That(reply.Results, Is.Empty);
        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_call_with_arguments_and_results_round_trips()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();
        byte[] data = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];

        var reply = await client.CallAsync(CallMessage.Echo(0x7002, data));

        reply.AssertSuccess(0x7002);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(data));
    }

    [Test]
    public async Task The_caller_is_known_by_its_address_port_and_credential()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();
        var body = CallMessage.AuthSysBody(1000, 100, [4, 24], "udp-host");

        var reply = await client.CallAsync(CallMessage.Build(0x7003, TestProgram.Number, 1, TestProcedure.WhoAmI, credentialFlavor: (uint)AuthFlavor.AuthSys, credentialBody: body));

        reply.AssertSuccess(0x7003);
        var identity = reply.Decode<CallerIdentity, CallerIdentity>();
        Assert.That((identity.Uid, identity.Gid), Is.EqualTo((1000u, 100u)));
        Assert.That(identity.Gids, Is.EqualTo(new uint[] { 4, 24 }));
        Assert.That(System.Text.Encoding.ASCII.GetString(identity.MachineName), Is.EqualTo("udp-host"));
        Assert.That(identity.ClientPort, Is.EqualTo(client.LocalEndPoint.Port));
    }

    [Test]
    public async Task An_unknown_program_is_answered_prog_unavail()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Build(0x7011, 0x3FFF_FFFF, 1, 0));

        Assert.That((reply.Xid, reply.AcceptStatus), Is.EqualTo((0x7011u, (AcceptStat?)AcceptStat.ProgUnavail)));
    }

    [Test]
    public async Task A_program_served_on_tcp_only_is_answered_prog_unavail_over_udp()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.Udp!.ServesProgram = program => program != TestProgram.Number);
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7012, TestProcedure.Null));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
        Assert.That(server.Program.NullCalls, Is.Zero);
        Assert.That(server.Server.ServesOverUdp(TestProgram.Number), Is.False);
        await server.AssertServesFreshConnectionAsync(); // still there over TCP
    }

    [Test]
    public async Task An_unknown_version_is_answered_prog_mismatch_with_the_versions_served()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Build(0x7013, TestProgram.Number, 2, 0));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProgMismatch));
        var mismatch = reply.Body.Areply.ReplyData.MismatchInfo;
        Assert.That((mismatch.Low, mismatch.High), Is.EqualTo((1u, 3u)));
    }

    [Test]
    public async Task An_unknown_procedure_is_answered_proc_unavail()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7014, TestProcedure.Missing));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProcUnavail));
    }

    [Test]
    public async Task Arguments_that_do_not_decode_are_answered_garbage_args()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7015, TestProcedure.Echo, [0, 0, 0, 100, 1, 2, 3, 4]));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.GarbageArgs));
    }

    [Test]
    public async Task A_call_header_cut_short_is_answered_garbage_args()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7016, TestProcedure.Null)[..22]);

        Assert.That((reply.Xid, reply.AcceptStatus), Is.EqualTo((0x7016u, (AcceptStat?)AcceptStat.GarbageArgs)));
    }

    [Test]
    public async Task Rpc_version_3_is_denied_rpc_mismatch()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Build(0x7017, TestProgram.Number, 1, 0, rpcVersion: 3));

        Assert.That(reply.Body.Stat, Is.EqualTo(ReplyStat.MsgDenied));
        Assert.That(reply.Body.Rreply.Stat, Is.EqualTo(RejectStat.RpcMismatch));
    }

    [TestCase(6u, AuthStat.AuthTooweak, TestName = "RPCSEC_GSS is denied AUTH_TOOWEAK over UDP")]
    [TestCase(1u, AuthStat.AuthBadcred, TestName = "A malformed AUTH_SYS body is denied AUTH_BADCRED over UDP")]
    public async Task A_credential_the_server_does_not_accept_is_denied_auth_error(uint flavor, AuthStat why)
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Build(0x7018, TestProgram.Number, 1, 0, credentialFlavor: flavor, credentialBody: [1, 2, 3]));

        Assert.That(reply.Xid, Is.EqualTo(0x7018));
        Assert.That(reply.Body.Stat, Is.EqualTo(ReplyStat.MsgDenied));
        Assert.That(reply.Body.Rreply.Stat, Is.EqualTo(RejectStat.AuthError));
        Assert.That(reply.Body.Rreply.Why, Is.EqualTo(why));
        Assert.That(server.Program.NullCalls, Is.Zero);
    }

    [Test]
    public async Task A_service_that_throws_is_answered_system_err()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Test(0x7019, TestProcedure.ThrowLater));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
    }

    private static IEnumerable<TestCaseData> NotCalls()
    {
        yield return new TestCaseData(Array.Empty<byte>()).SetName("An empty datagram is dropped");
        yield return new TestCaseData(new byte[] { 0, 0, 0, 1 }).SetName("A datagram shorter than xid and message type is dropped");
        // A REPLY: answering it could start two servers answering each other forever.
        yield return new TestCaseData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 }).SetName("A reply message is dropped");
        yield return new TestCaseData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 7 }).SetName("An unknown message type is dropped");
        yield return new TestCaseData(Enumerable.Range(0, 65_000).Select(i => (byte)(i * 7919 >> 3)).ToArray()).SetName("A large datagram that is not a call is dropped");
        // A record mark in front of a call, as a TCP client would send it.
        yield return new TestCaseData(CallMessage.Record(CallMessage.Test(0x7020, TestProcedure.Null))).SetName("A record-marked call is not a call over UDP");
    }

    [TestCaseSource(nameof(NotCalls))]
    public async Task A_datagram_that_is_not_a_call_gets_no_reply_and_harms_nothing(byte[] datagram)
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        await client.SendAsync(datagram);
        // The server reads datagrams in order: the first reply to come back is the next call's.
        var reply = await client.CallAsync(CallMessage.Test(0x7021, TestProcedure.Null));

        reply.AssertSuccess(0x7021);
        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_flood_of_random_datagrams_neither_crashes_nor_hangs_the_server()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.Udp!.MaxInFlight = 4);
        using var client = server.Datagrams();
        var random = new Random(5531);
        for (int i = 0; i < 2000; i++)
        {
            var datagram = new byte[random.Next(0, 600)];
            random.NextBytes(datagram);
            if (datagram.Length >= 8 && i % 2 == 0)
                datagram[7] = 0; // half of them say CALL, so they get as far as the header checks
            await client.SendAsync(datagram);
        }

        using var fresh = server.Datagrams();
        var reply = await fresh.CallRetransmittingAsync(CallMessage.Echo(0x7022, [9]), TimeSpan.FromSeconds(1));

        reply.AssertSuccess(0x7022);
        await server.AssertServesFreshConnectionAsync();
        Assert.That(server.Logger.Entries.Where(entry => entry.Level >= LogLevel.Error), Is.Empty);
    }

    [Test]
    public async Task A_reply_too_long_for_a_datagram_is_answered_system_err_and_logged()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();
        // ECHO of n bytes replies with a 24-byte header, a 4-byte length and the n bytes: 9000 is over the default 8800.
        var reply = await client.CallAsync(CallMessage.Echo(0x7030, new byte[9000]));

        Assert.That((reply.Xid, reply.AcceptStatus), Is.EqualTo((0x7030u, (AcceptStat?)AcceptStat.SystemErr)));
        Assert.That(reply.Results, Is.Empty);
        var warning = server.Logger.Entries.Single(entry => entry.Level == LogLevel.Warning);
        Assert.That(warning.Message, Does.Contain("9028 bytes").And.Contain("8800").And.Contain("SYSTEM_ERR").And.Contain("xid 28720"));
        Assert.That(server.Observer.Calls.Single().Status, Is.EqualTo(RpcCallStatus.SystemError));
    }

    [Test]
    public async Task A_reply_exactly_at_the_limit_is_sent_whole()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Echo(0x7031, new byte[RpcUdpOptions.DefaultMaxReplySize - 28]));

        reply.AssertSuccess(0x7031);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().Length, Is.EqualTo(RpcUdpOptions.DefaultMaxReplySize - 28));
    }

    [Test]
    public async Task The_limit_is_configurable_up_to_the_largest_udp_payload()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.Udp!.MaxReplySize = RpcUdpOptions.MaxDatagramPayload);
        using var client = server.Datagrams();

        var reply = await client.CallAsync(CallMessage.Echo(0x7032, new byte[60_000]));

        reply.AssertSuccess(0x7032);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().Length, Is.EqualTo(60_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcServer(new RpcServerOptions { Udp = new RpcUdpOptions { MaxReplySize = 65_508 } }, [], new ListLogger()));
    }

    [Test]
    public async Task Many_clients_at_once_each_get_their_own_replies()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.Udp!.MaxInFlight = 8);
        const int clients = 32, callsEach = 25;

        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = server.Datagrams();
            for (int i = 0; i < callsEach; i++)
            {
                uint xid = (uint)(0x10000 * (c + 1) + i);
                byte[] data = [(byte)c, (byte)i, .. new byte[c * 10]];
                var reply = await client.CallRetransmittingAsync(CallMessage.Echo(xid, data), TimeSpan.FromSeconds(2));
                reply.AssertSuccess(xid);
                Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(data));
            }
        }))).Within();
    }

    [Test]
    public async Task Calls_beyond_the_in_flight_limit_wait_until_one_finishes()
    {
        await using var server = await TestServer.StartUdpAsync(options => options.Udp!.MaxInFlight = 2);
        using var client = server.Datagrams();
        await client.SendAsync(CallMessage.Gated(0x7040, 1));
        await client.SendAsync(CallMessage.Gated(0x7041, 2));
        await server.Gates[1].Entered.Within();
        await server.Gates[2].Entered.Within();

        await client.SendAsync(CallMessage.Test(0x7042, TestProcedure.Null));

        Assert.That(await client.NothingArrivesAsync(TimeSpan.FromMilliseconds(300)), Is.True, "the third call waits for a slot");
        Assert.That(server.Program.NullCalls, Is.Zero);
        server.Gates[1].Open();
        var replies = new[] { await client.ReceiveReplyAsync(), await client.ReceiveReplyAsync() };
        Assert.That(replies.Select(reply => reply.Xid), Is.EquivalentTo(new uint[] { 0x7040, 0x7042 }));
    }

    [Test]
    public async Task Stopping_answers_the_calls_running_then_closes_the_socket()
    {
        var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();
        await client.SendAsync(CallMessage.Test(0x7050, TestProcedure.FinishOnCancel));
        await server.Gates[TestProcedure.FinishOnCancel].Entered.Within();

        await server.Server.StopAsync(Bounded.Wait).Within();

        var reply = await client.ReceiveReplyAsync();
        reply.AssertSuccess(0x7050);
        await server.DisposeAsync();
    }

    [Test]
    public async Task Stopping_does_not_wait_past_the_timeout_for_a_call_that_ignores_cancellation()
    {
        await using var server = await TestServer.StartUdpAsync();
        using var client = server.Datagrams();
        await client.SendAsync(CallMessage.Gated(0x7051, 51)); // waits at its gate whatever the token says
        await server.Gates[51].Entered.Within();

        await server.Server.StopAsync(TimeSpan.FromMilliseconds(100)).Within();

        server.Gates[51].Open(); // finishes after the socket is closed: its reply goes nowhere, nothing throws
        await Bounded.Until(() => server.Observer.Calls.Any(call => call.Status == RpcCallStatus.Success), "the late call finishes");
    }

    [Test]
    public async Task Without_udp_options_nothing_is_bound_for_udp()
    {
        await using var server = await TestServer.StartAsync();

        Assert.That(server.Server.UdpEndPoint, Is.Null);
        Assert.That(server.Server.ServesOverUdp(TestProgram.Number), Is.False);
    }

    [Test]
    public async Task A_fixed_port_whose_udp_twin_is_taken_fails_to_start()
    {
        using var squatter = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)squatter.Client.LocalEndPoint!).Port;
        var server = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback, Port = port, Udp = new RpcUdpOptions() }, [], new ListLogger());

        Assert.That(() => server.StartAsync(), Throws.InstanceOf<System.Net.Sockets.SocketException>());
        await server.DisposeAsync();
    }
}
