using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>RpcClient against a real RpcServer: pipelining, xid matching, credentials and every failure path.</summary>
public class RpcClientTests
{
    [Test]
    public async Task A_null_call_returns_no_result_bytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var result = await Call<XdrVoid, XdrVoid>(client, TestProcedure.Null, default).Within();

        Assert.That(result.Length, Is.Zero);
    }

    [Test]
    public async Task Concurrent_calls_each_get_their_own_reply()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();
        var payloads = Enumerable.Range(0, 300).Select(i => Enumerable.Repeat((byte)i, i % 97 + 1).ToArray()).ToArray();

        var results = await Task.WhenAll(payloads.Select(payload => Echo(client, payload).AsTask())).Within();

        for (int i = 0; i < payloads.Length; i++)
            Assert.That(results[i], Is.EqualTo(payloads[i]), $"call {i}");
    }

    [Test]
    public async Task A_reply_overtaking_an_earlier_call_completes_the_right_call()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();
        var slow = Call<uint, XdrUInt32Codec>(client, TestProcedure.Gated, 7).AsTask();
        await server.Gates[7].Entered.Within();

        var fast = await Echo(client, [1, 2, 3]).Within();
        Assert.That(slow.IsCompleted, Is.False);
        server.Gates[7].Open();

        Assert.That(fast, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(XdrCodec.Decode<uint, XdrUInt32Codec>(await slow.Within()), Is.EqualTo(7));
    }

    [Test]
    public async Task An_auth_sys_credential_reaches_the_service()
    {
        await using var server = await TestServer.StartAsync();
        var credential = RpcCredential.AuthSys(501, 20, [12, 61, 79], "mac-mini");
        await using var client = await server.ConnectClientAsync(new RpcClientOptions { Credential = credential });

        var identity = XdrCodec.Decode<CallerIdentity, CallerIdentity>(await Call<XdrVoid, XdrVoid>(client, TestProcedure.WhoAmI, default).Within());

        Assert.That(identity.Flavor, Is.EqualTo((uint)AuthFlavor.AuthSys));
        Assert.That((identity.Uid, identity.Gid), Is.EqualTo((501u, 20u)));
        Assert.That(identity.Gids, Is.EqualTo(new uint[] { 12, 61, 79 }));
        Assert.That(identity.MachineName, Is.EqualTo("mac-mini"u8.ToArray()));
        Assert.That(identity.ClientPort, Is.EqualTo(client.LocalEndPoint.Port));
    }

    [Test]
    public void An_auth_sys_credential_with_more_than_16_groups_is_refused()
    {
        Assert.Throws<ArgumentException>(() => RpcCredential.AuthSys(1, 1, Enumerable.Range(0, 17).Select(i => (uint)i)));
    }

    [Test]
    public async Task An_unknown_program_throws_prog_unavail()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var error = await CatchAsync(() => client.CallAsync<XdrVoid, XdrVoid>(0x3FFF_FFFF, 1, 0, default, CancellationToken.None));

        Assert.That(error.ReplyStatus, Is.EqualTo(ReplyStat.MsgAccepted));
        Assert.That(error.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
        Assert.That(error.RejectStatus, Is.Null);
        Assert.That(error.Program, Is.EqualTo(0x3FFF_FFFF));
    }

    [Test]
    public async Task An_unknown_version_throws_prog_mismatch_with_the_range()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var error = await CatchAsync(() => client.CallAsync<XdrVoid, XdrVoid>(TestProgram.Number, 7, 0, default, CancellationToken.None));

        Assert.That(error.AcceptStatus, Is.EqualTo(AcceptStat.ProgMismatch));
        Assert.That((error.MismatchLow, error.MismatchHigh), Is.EqualTo((1u, 3u)));
        Assert.That(error.Message, Does.Contain("PROG_MISMATCH").And.Contain("1 to 3"));
    }

    [Test]
    public async Task An_unknown_procedure_throws_proc_unavail()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var error = await CatchAsync(() => Call<XdrVoid, XdrVoid>(client, TestProcedure.Missing, default));

        Assert.That(error.AcceptStatus, Is.EqualTo(AcceptStat.ProcUnavail));
        Assert.That(error.Procedure, Is.EqualTo(TestProcedure.Missing));
    }

    [Test]
    public async Task A_failing_service_throws_system_err_and_the_client_stays_usable()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();

        var error = await CatchAsync(() => Call<XdrVoid, XdrVoid>(client, TestProcedure.Throw, default));

        Assert.That(error.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(await Echo(client, [9]).Within(), Is.EqualTo(new byte[] { 9 }));
    }

    [Test]
    public async Task A_flavour_the_server_does_not_speak_throws_auth_tooweak()
    {
        await using var server = await TestServer.StartAsync();
        var gss = new RpcCredential((uint)AuthFlavor.RpcsecGss, new byte[] { 0, 0, 0, 1 });
        await using var client = await server.ConnectClientAsync(new RpcClientOptions { Credential = gss });

        var error = await CatchAsync(() => Call<XdrVoid, XdrVoid>(client, TestProcedure.Null, default));

        Assert.That(error.ReplyStatus, Is.EqualTo(ReplyStat.MsgDenied));
        Assert.That(error.RejectStatus, Is.EqualTo(RejectStat.AuthError));
        Assert.That(error.AuthStatus, Is.EqualTo(AuthStat.AuthTooweak));
        Assert.That(error.AcceptStatus, Is.Null);
    }

    [Test]
    public async Task A_call_without_a_reply_in_time_throws_timeout_and_its_late_reply_is_ignored()
    {
        await using var server = await TestServer.StartAsync();
        // The gated call times out whatever the timeout (its gate opens only afterwards); one second leaves the echo
        // calls below room on a loaded machine (100 ms did not, now and then).
        await using var client = await server.ConnectClientAsync(new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(1) });

        Assert.That(async () => await Call<uint, XdrUInt32Codec>(client, TestProcedure.Gated, 1).Within(), Throws.InstanceOf<TimeoutException>());
        server.Gates[1].Open();
        // The late reply arrives and is dropped: the next call still gets its own.

        Assert.That(await Echo(client, [5]).Within(), Is.EqualTo(new byte[] { 5 }));
        await Bounded.Until(() => server.Observer.Calls.Count(call => call.Procedure == TestProcedure.Gated) == 1, "the gated call was answered");
        Assert.That(await Echo(client, [6]).Within(), Is.EqualTo(new byte[] { 6 }));
    }

    [Test]
    public async Task A_cancelled_call_throws_operation_cancelled()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();
        using var cancellation = new CancellationTokenSource();
        var call = client.CallAsync<uint, XdrUInt32Codec>(TestProgram.Number, 1, TestProcedure.Gated, 1, cancellation.Token).AsTask();
        await server.Gates[1].Entered.Within();

        await cancellation.CancelAsync();

        Assert.That(async () => await call.Within(), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await Echo(client, [7]).Within(), Is.EqualTo(new byte[] { 7 }));
    }

    [Test]
    public async Task Calls_waiting_when_the_server_goes_away_fail_with_io_exception()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync();
        var call = Call<uint, XdrUInt32Codec>(client, TestProcedure.Gated, 1).AsTask();
        await server.Gates[1].Entered.Within();

        await server.Server.StopAsync(TimeSpan.Zero).Within();

        Assert.That(async () => await call.Within(), Throws.InstanceOf<IOException>());
        Assert.That(async () => await Echo(client, [1]).Within(), Throws.InstanceOf<IOException>());
    }

    [Test]
    public async Task Disposing_the_client_fails_the_calls_waiting_on_it()
    {
        await using var server = await TestServer.StartAsync();
        var client = await server.ConnectClientAsync();
        var call = Call<uint, XdrUInt32Codec>(client, TestProcedure.Gated, 1).AsTask();
        await server.Gates[1].Entered.Within();

        await client.DisposeAsync().Within();

        Assert.That(async () => await call.Within(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(async () => await Echo(client, [1]).Within(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(async () => await client.DisposeAsync().Within(), Throws.Nothing, "disposing twice is harmless");
    }

    [Test]
    public async Task A_reply_larger_than_the_client_accepts_breaks_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectClientAsync(new RpcClientOptions { MaxRecordSize = 1024 });

        Assert.That(async () => await Echo(client, new byte[2048]).Within(), Throws.InstanceOf<IOException>());
    }

    [Test]
    public async Task Connecting_by_host_name_works()
    {
        await using var server = await TestServer.StartAsync();

        await using var client = await RpcClient.ConnectAsync("localhost", server.EndPoint.Port).Within();

        Assert.That(await Echo(client, [3]).Within(), Is.EqualTo(new byte[] { 3 }));
    }

    [Test]
    public async Task Connecting_to_a_port_nobody_listens_on_fails()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Assert.That(async () => await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within(), Throws.InstanceOf<SocketException>());
    }

    [Test]
    public async Task A_privileged_source_port_is_used_when_asked_for()
    {
        Assume.That(Environment.IsPrivilegedProcess, "binding a port below 1024 needs root");
        await using var server = await TestServer.StartAsync();

        await using var client = await server.ConnectClientAsync(new RpcClientOptions { UsePrivilegedPort = true });
        var identity = XdrCodec.Decode<CallerIdentity, CallerIdentity>(await Call<XdrVoid, XdrVoid>(client, TestProcedure.WhoAmI, default).Within());

        Assert.That(client.LocalEndPoint.Port, Is.LessThan(1024));
        Assert.That(identity.ClientPort, Is.EqualTo(client.LocalEndPoint.Port));
    }

    private static ValueTask<ReadOnlyMemory<byte>> Call<TArguments, TCodec>(RpcClient client, uint procedure, TArguments arguments)
        where TCodec : IXdrCodec<TArguments> =>
        client.CallAsync<TArguments, TCodec>(TestProgram.Number, 1, procedure, arguments, CancellationToken.None);

    private static async ValueTask<byte[]> Echo(RpcClient client, byte[] payload)
    {
        var result = await Call<ReadOnlyMemory<byte>, OpaqueCodec>(client, TestProcedure.Echo, payload);
        return XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(result).ToArray();
    }

    private static async Task<RpcException> CatchAsync(Func<ValueTask<ReadOnlyMemory<byte>>> call) =>
        (await Assert.ThrowsAsync<RpcException>(async () => await call().Within()))!;
}
