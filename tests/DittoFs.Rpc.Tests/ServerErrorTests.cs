using DittoFs.Protocol;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// The answers RFC 5531 §9 prescribes for calls the server cannot run. Each test also checks that the
/// connection keeps working afterwards: an error reply never costs the client its connection.
/// </summary>
public class ServerErrorTests
{
    [Test]
    public async Task An_unknown_program_is_answered_prog_unavail()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Build(0x2001, 0x3FFF_FFFF, 1, 0));

        Assert.That(reply.Xid, Is.EqualTo(0x2001));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task An_unknown_version_is_answered_prog_mismatch_with_the_versions_served()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Build(0x2002, TestProgram.Number, 2, 0));

        Assert.That(reply.Xid, Is.EqualTo(0x2002));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProgMismatch));
        var mismatch = reply.Body.Areply.ReplyData.MismatchInfo;
        Assert.That((mismatch.Low, mismatch.High), Is.EqualTo((1u, 3u)));
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task An_unknown_procedure_is_answered_proc_unavail()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Test(0x2003, TestProcedure.Missing));

        Assert.That(reply.Xid, Is.EqualTo(0x2003));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.ProcUnavail));
        Assert.That(reply.Results, Is.Empty);
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task Arguments_that_do_not_decode_are_answered_garbage_args()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        // An opaque<> that announces 100 bytes and brings 4.
        byte[] arguments = [0, 0, 0, 100, 1, 2, 3, 4];

        var reply = await connection.CallAsync(CallMessage.Test(0x2004, TestProcedure.Echo, arguments));

        Assert.That(reply.Xid, Is.EqualTo(0x2004));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.GarbageArgs));
        await AssertStillServesAsync(connection);
    }

    [TestCase(12, TestName = "Header cut after rpcvers")]
    [TestCase(22, TestName = "Header cut inside the procedure number")]
    public async Task A_call_header_cut_short_is_answered_garbage_args(int length)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Test(0x2005, TestProcedure.Null)[..length]);

        Assert.That(reply.Xid, Is.EqualTo(0x2005));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.GarbageArgs));
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task Rpc_version_3_is_denied_rpc_mismatch_naming_version_2()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Build(0x2006, TestProgram.Number, 1, 0, rpcVersion: 3));

        Assert.That(reply.Xid, Is.EqualTo(0x2006));
        Assert.That(reply.Body.Stat, Is.EqualTo(ReplyStat.MsgDenied));
        Assert.That(reply.Body.Rreply.Stat, Is.EqualTo(RejectStat.RpcMismatch));
        Assert.That((reply.Body.Rreply.MismatchInfo.Low, reply.Body.Rreply.MismatchInfo.High), Is.EqualTo((2u, 2u)));
        await AssertStillServesAsync(connection);
    }

    [TestCase(6u, TestName = "RPCSEC_GSS")]
    [TestCase(390003u, TestName = "Kerberos 5 (AUTH_GSS pseudo-flavour)")]
    [TestCase(3u, TestName = "AUTH_DH")]
    public async Task A_flavour_the_server_does_not_speak_is_denied_auth_tooweak(uint flavor)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Build(0x2007, TestProgram.Number, 1, 0, credentialFlavor: flavor, credentialBody: [1, 2, 3, 4]));

        AssertAuthError(reply, 0x2007, AuthStat.AuthTooweak);
        Assert.That(server.Program.NullCalls, Is.Zero);
        await AssertStillServesAsync(connection);
    }

    private static IEnumerable<TestCaseData> MalformedAuthSysBodies()
    {
        var valid = CallMessage.AuthSysBody(1000, 1000, [1, 2], "host");
        yield return new TestCaseData(valid[..^4]).SetName("AUTH_SYS body cut short");
        yield return new TestCaseData(new byte[0]).SetName("Empty AUTH_SYS body");
        yield return new TestCaseData((byte[])[.. valid, 0, 0, 0, 0]).SetName("AUTH_SYS body with bytes left over");
        // stamp, then a machine name announcing 256 bytes: over its bound of 255.
        yield return new TestCaseData((byte[])[0, 0, 0, 1, 0, 0, 1, 0, .. new byte[256], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).SetName("AUTH_SYS machine name over 255 bytes");
        // stamp, empty name, uid, gid, then 17 groups: over the bound of 16.
        yield return new TestCaseData((byte[])[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, .. new byte[17 * 4]]).SetName("AUTH_SYS with 17 groups");
    }

    [TestCaseSource(nameof(MalformedAuthSysBodies))]
    public async Task A_malformed_auth_sys_body_is_denied_auth_badcred(byte[] body)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Build(0x2008, TestProgram.Number, 1, 0, credentialFlavor: (uint)AuthFlavor.AuthSys, credentialBody: body));

        AssertAuthError(reply, 0x2008, AuthStat.AuthBadcred);
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task A_credential_longer_than_400_bytes_is_denied_auth_badcred()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        // xid, CALL, rpcvers, prog, vers, proc, then a credential announcing 401 bytes (RFC 5531 §8.2: body<400>).
        byte[] message = [.. CallMessage.Test(0x2009, TestProcedure.Null)[..24], 0, 0, 0, 1, 0, 0, 1, 0x91, .. new byte[404], 0, 0, 0, 0, 0, 0, 0, 0];

        var reply = await connection.CallAsync(message);

        AssertAuthError(reply, 0x2009, AuthStat.AuthBadcred);
        await AssertStillServesAsync(connection);
    }

    [Test]
    public async Task A_verifier_that_does_not_decode_is_denied_auth_badverf()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        // A complete AUTH_NONE credential, then a verifier whose body length runs past the end of the record.
        byte[] message = [.. CallMessage.Test(0x200A, TestProcedure.Null)[..32], 0, 0, 0, 0, 0, 0, 0, 8];

        var reply = await connection.CallAsync(message);

        AssertAuthError(reply, 0x200A, AuthStat.AuthBadverf);
        await AssertStillServesAsync(connection);
    }

    [TestCase(TestProcedure.Throw, TestName = "Service throws before returning a task")]
    [TestCase(TestProcedure.ThrowLater, TestName = "Service task faults later")]
    public async Task A_service_that_throws_is_answered_system_err_and_logged(uint procedure)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(CallMessage.Test(0x200B, procedure));

        Assert.That(reply.Xid, Is.EqualTo(0x200B));
        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        var error = server.Logger.Entries.Single(entry => entry.Level == LogLevel.Error);
        Assert.That(error.Exception, Is.InstanceOf<InvalidOperationException>());
        Assert.That(error.Message, Does.Contain($"Program {TestProgram.Number}").And.Contain($"procedure {procedure}").And.Contain("127.0.0.1"));
        Assert.That(server.Observer.Calls.Single().Status, Is.EqualTo(RpcCallStatus.SystemError));
        await AssertStillServesAsync(connection);
    }

    private static void AssertAuthError(ReplyMessage reply, uint xid, AuthStat why)
    {
        Assert.That(reply.Xid, Is.EqualTo(xid));
        Assert.That(reply.Body.Stat, Is.EqualTo(ReplyStat.MsgDenied));
        Assert.That(reply.Body.Rreply.Stat, Is.EqualTo(RejectStat.AuthError));
        Assert.That(reply.Body.Rreply.Why, Is.EqualTo(why));
    }

    private static async Task AssertStillServesAsync(RawRpcConnection connection)
    {
        var reply = await connection.CallAsync(CallMessage.Echo(0x2FFF, [42]));
        reply.AssertSuccess(0x2FFF);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(new byte[] { 42 }));
    }
}
