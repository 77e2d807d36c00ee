using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Rpc.Tests;

/// <summary>Starting, limits, idle connections and graceful shutdown.</summary>
public class ServerLifecycleTests
{
    [Test]
    public async Task Port_zero_binds_a_free_port_and_exposes_it()
    {
        await using var server = await TestServer.StartAsync();

        Assert.That(server.EndPoint.Port, Is.GreaterThan(0));
        Assert.That(server.EndPoint.Address, Is.EqualTo(IPAddress.Loopback));
    }

    [Test]
    public async Task A_server_starts_only_once()
    {
        await using var server = await TestServer.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.Server.StartAsync());
    }

    [Test]
    public async Task A_server_never_started_stops_and_disposes_quietly()
    {
        var server = new RpcServer(new RpcServerOptions(), [], NullLogger.Instance);

        await server.StopAsync(TimeSpan.Zero).Within();
        await server.DisposeAsync().Within();

        Assert.Throws<InvalidOperationException>(() => _ = server.LocalEndPoint);
    }

    [Test]
    public void The_same_program_version_twice_is_refused()
    {
        var gates = new Gates();

        Assert.Throws<ArgumentException>(() => _ = new RpcServer(new RpcServerOptions(), [new TestProgram(1, gates), new TestProgram(1, gates)], NullLogger.Instance));
    }

    [Test]
    public async Task A_connection_beyond_the_maximum_is_closed_while_the_others_keep_working()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxConnections = 1);
        await using var first = await server.ConnectRawAsync();
        (await first.CallAsync(CallMessage.Test(0x5001, TestProcedure.Null))).AssertSuccess(0x5001);

        await using var second = await server.ConnectRawAsync();

        Assert.That(await second.ClosedByServerAsync(), Is.True);
        Assert.That(server.Observer.Rejected, Has.Count.EqualTo(1));
        (await first.CallAsync(CallMessage.Test(0x5002, TestProcedure.Null))).AssertSuccess(0x5002);

        await first.DisposeAsync();
        await Bounded.Until(() => server.Server.ConnectionCount == 0, "the first connection is gone");
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task An_idle_connection_is_closed()
    {
        await using var server = await TestServer.StartAsync(options => options.IdleTimeout = TimeSpan.FromMilliseconds(100));
        await using var connection = await server.ConnectRawAsync();
        (await connection.CallAsync(CallMessage.Test(0x5003, TestProcedure.Null))).AssertSuccess(0x5003);

        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        await Bounded.Until(() => server.Observer.Closed.Contains(RpcConnectionCloseReason.IdleTimeout), "the idle close is reported");
    }

    [Test]
    public async Task A_connection_with_a_call_running_is_not_idle()
    {
        await using var server = await TestServer.StartAsync(options => options.IdleTimeout = TimeSpan.FromMilliseconds(50));
        await using var connection = await server.ConnectRawAsync();
        await connection.SendRecordAsync(CallMessage.Gated(0x5004, 1));
        await server.Gates[1].Entered.Within();

        // Many idle timeouts pass while the call runs; a slow machine only makes this check weaker, never wrong.
        await Task.Delay(500);
        server.Gates[1].Open();

        (await connection.ReadReplyAsync()).AssertSuccess(0x5004);
    }

    [Test]
    public async Task Stopping_waits_for_a_running_call_to_answer_then_closes()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        await connection.SendRecordAsync(CallMessage.Gated(0x5005, 1));
        await server.Gates[1].Entered.Within();

        var stopping = server.Server.StopAsync(Bounded.Wait);
        await AssertRefusesConnectionsAsync(server.EndPoint);
        Assert.That(stopping.IsCompleted, Is.False, "the gated call cannot have finished");
        server.Gates[1].Open();

        (await connection.ReadReplyAsync()).AssertSuccess(0x5005);
        await stopping.Within();
        Assert.That(await connection.ClosedByServerAsync(), Is.True);
        Assert.That(server.Observer.Closed, Is.EqualTo(new[] { RpcConnectionCloseReason.Shutdown }));
    }

    [Test]
    public async Task Stopping_cancels_the_token_of_running_calls()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        await connection.SendRecordAsync(CallMessage.Test(0x5006, TestProcedure.FinishOnCancel));
        await server.Gates[TestProcedure.FinishOnCancel].Entered.Within();

        var stopping = server.Server.StopAsync(Bounded.Wait);

        var reply = await connection.ReadReplyAsync();
        reply.AssertSuccess(0x5006);
        Assert.That(reply.Decode<uint, DittoFs.Xdr.XdrUInt32Codec>(), Is.EqualTo(1));
        await stopping.Within();
    }

    [Test]
    public async Task A_call_that_gives_up_on_cancellation_is_dropped_without_a_reply()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        await connection.SendRecordAsync(CallMessage.Test(0x5007, TestProcedure.AbortOnCancel));
        await server.Gates[TestProcedure.AbortOnCancel].Entered.Within();

        await server.Server.StopAsync(Bounded.Wait).Within();

        Assert.That(await connection.ClosedByServerAsync(), Is.True, "closed with no reply");
        Assert.That(server.Observer.Calls.Single().Status, Is.EqualTo(RpcCallStatus.Dropped));
        Assert.That(server.Observer.Closed, Is.EqualTo(new[] { RpcConnectionCloseReason.Shutdown }));
    }

    [Test]
    public async Task Stopping_force_closes_a_connection_whose_call_ignores_cancellation()
    {
        await using var server = await TestServer.StartAsync();
        await using var stuck = await server.ConnectRawAsync();
        await using var idle = await server.ConnectRawAsync();
        await stuck.SendRecordAsync(CallMessage.Gated(0x5008, 1));
        await server.Gates[1].Entered.Within();
        (await idle.CallAsync(CallMessage.Test(0x5009, TestProcedure.Null))).AssertSuccess(0x5009);

        await server.Server.StopAsync(TimeSpan.FromMilliseconds(100)).Within();

        Assert.That(await stuck.ClosedByServerAsync(), Is.True, "closed with no reply");
        Assert.That(await idle.ClosedByServerAsync(), Is.True);
        Assert.That(server.Observer.Closed, Is.EquivalentTo(new[] { RpcConnectionCloseReason.ForcedShutdown, RpcConnectionCloseReason.Shutdown }));
        Assert.That(server.Server.ConnectionCount, Is.Zero);
        // The stuck call finishing later must not disturb anything.
        server.Gates[1].Open();
        await Bounded.Until(() => server.Observer.Calls.Count == 2, "the late call is reported");
    }

    /// <summary>libnfs closes with SO_LINGER 0, so every close of its is a reset: between calls, that is the client's close.</summary>
    [Test]
    public async Task A_reset_between_calls_is_a_client_close()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(server.EndPoint).Within();
        var stream = client.GetStream();
        await stream.WriteAsync(CallMessage.Record(CallMessage.Test(1, TestProcedure.Null))).AsTask().Within();
        var header = new byte[4];
        await stream.ReadExactlyAsync(header).AsTask().Within();
        await stream.ReadExactlyAsync(new byte[header[3] | header[2] << 8]).AsTask().Within();

        Assert.That(await ResetAsync(client, server), Is.EqualTo(RpcConnectionCloseReason.ClientClosed));
    }

    [Test]
    public async Task A_reset_in_the_middle_of_a_call_is_a_transport_error()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(server.EndPoint).Within();
        // A record of 100,000 bytes announced, 20,000 sent: past 8 KiB it is charged to the record budget, which shows
        // that the server holds part of a call.
        var partial = new byte[4 + 20_000];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(partial, 0x8000_0000u | 100_000);
        await client.GetStream().WriteAsync(partial).AsTask().Within();
        await Bounded.Until(() => server.Server.PendingRecordBytes > 0, "part of the call is received");

        Assert.That(await ResetAsync(client, server), Is.EqualTo(RpcConnectionCloseReason.TransportError));
    }

    /// <summary>Resets the connection (linger 0 on the socket itself: TcpClient.Close would first shut the stream down, a FIN); the reason the server reports.</summary>
    private static async Task<RpcConnectionCloseReason> ResetAsync(TcpClient client, TestServer server)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
        await Bounded.Until(() => !server.Observer.Closed.IsEmpty, "the close is reported");
        return server.Observer.Closed.Single();
    }

    [Test]
    public async Task A_client_that_shuts_down_its_sending_side_still_gets_its_replies()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(server.EndPoint).Within();
        var stream = client.GetStream();
        await stream.WriteAsync(CallMessage.Record(CallMessage.Gated(0x500A, 1))).AsTask().Within();
        await server.Gates[1].Entered.Within();

        client.Client.Shutdown(SocketShutdown.Send);
        server.Gates[1].Open();

        var header = new byte[4];
        await stream.ReadExactlyAsync(header).AsTask().Within();
        var reply = new byte[header[3] | header[2] << 8];
        await stream.ReadExactlyAsync(reply).AsTask().Within();
        ReplyMessage.Parse(reply).AssertSuccess(0x500A);
        Assert.That(await stream.ReadAsync(new byte[1]).AsTask().Within(), Is.Zero, "then the server closes");
        await Bounded.Until(() => server.Observer.Closed.Contains(RpcConnectionCloseReason.ClientClosed), "the close is reported");
    }

    [Test]
    public async Task The_observer_sees_connections_open_and_close_and_every_call()
    {
        await using var server = await TestServer.StartAsync();
        var connection = await server.ConnectRawAsync();
        await connection.CallAsync(CallMessage.Test(1, TestProcedure.Null));
        await connection.CallAsync(CallMessage.Build(2, 0x3FFF_FFFF, 1, 0));
        await connection.CallAsync(CallMessage.Build(3, TestProgram.Number, 1, 0, credentialFlavor: 6));

        await connection.DisposeAsync();
        await Bounded.Until(() => !server.Observer.Closed.IsEmpty, "the close is reported");

        Assert.That(server.Observer.Accepted, Has.Count.EqualTo(1));
        Assert.That(server.Observer.Calls.Select(call => call.Status),
            Is.EqualTo(new[] { RpcCallStatus.Success, RpcCallStatus.ProgramUnavailable, RpcCallStatus.AuthenticationError }));
        Assert.That(server.Observer.Closed.Single(), Is.AnyOf(RpcConnectionCloseReason.ClientClosed, RpcConnectionCloseReason.TransportError));
    }

    [Test]
    public async Task An_observer_that_throws_costs_a_log_line_not_the_server()
    {
        var logger = new ListLogger();
        await using var server = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback }, [new TestProgram(1, new Gates())], logger, new ThrowingObserver());
        await server.StartAsync().Within();
        await using var connection = await RawRpcConnection.ConnectAsync(server.LocalEndPoint);

        var reply = await connection.CallAsync(CallMessage.Test(0x500B, TestProcedure.Null));

        reply.AssertSuccess(0x500B);
        Assert.That(logger.Entries.Select(entry => entry.Exception), Has.Some.InstanceOf<NotSupportedException>());
    }

    private sealed class ThrowingObserver : IRpcServerObserver
    {
        public void ConnectionAccepted(IPEndPoint client) => throw new NotSupportedException();
        public void CallCompleted(uint program, uint version, uint procedure, RpcCallStatus status, TimeSpan duration) => throw new NotSupportedException();
    }

    private static async Task AssertRefusesConnectionsAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        Assert.That(async () => await client.ConnectAsync(endPoint).Within(), Throws.InstanceOf<SocketException>());
    }
}
