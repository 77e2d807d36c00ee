namespace DittoFs.EndToEnd;

/// <summary>
/// Malformed and unsupported input over a raw socket: each gets the RFC 5531 answer or a closed connection,
/// and afterwards the server still answers a NULL call on a fresh connection.
/// </summary>
[TestFixture]
public sealed class BadInputTests : ServerFixture
{
    private const uint Nfs = 100003, Mount = 100005;
    private const uint Reply = 1, Accepted = 0, Denied = 1;
    private const uint Success = 0, ProgUnavail = 1, ProgMismatch = 2, ProcUnavail = 3, GarbageArgs = 4;
    private const uint RpcMismatch = 0, AuthError = 1, AuthBadCred = 1, AuthTooWeak = 5;

    [TearDown]
    public void NullCallStillSucceeds()
    {
        using var rpc = new RawRpc(Server.Port);
        rpc.SendRecord(RawRpc.Call(77, Nfs, 3, 0));
        var reply = rpc.ReceiveRecord();
        Assert.That(reply, Is.Not.Null, "the server stopped answering");
        Assert.That(RawRpc.Word(reply!, 5), Is.EqualTo(Success));
    }

    private byte[] CallAndReceive(byte[] message)
    {
        using var rpc = new RawRpc(Server.Port);
        rpc.SendRecord(message);
        var reply = rpc.ReceiveRecord();
        Assert.That(reply, Is.Not.Null, "expected a reply, the connection was closed");
        Assert.That(RawRpc.Word(reply!, 0), Is.EqualTo(RawRpc.Word(message, 0)), "xid");
        Assert.That(RawRpc.Word(reply!, 1), Is.EqualTo(Reply));
        return reply!;
    }

    [Test]
    public void Garbage_bytes_close_the_connection()
    {
        using var rpc = new RawRpc(Server.Port);
        var garbage = new byte[256];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x80; // a last-fragment mark of a plausible size, then noise
        garbage[1] = 0;
        garbage[2] = 0;
        garbage[3] = 0xFC;
        rpc.SendRaw(garbage);
        Assert.That(rpc.IsClosedByServer(), Is.True);
    }

    [Test]
    public void An_oversized_fragment_header_closes_the_connection()
    {
        using var rpc = new RawRpc(Server.Port);
        rpc.SendRaw([0xFF, 0xFF, 0xFF, 0xF0]); // a 2 GiB fragment
        Assert.That(rpc.IsClosedByServer(), Is.True);
    }

    [Test]
    public void A_truncated_getattr_gets_garbage_args()
    {
        var call = RawRpc.Call(1, Nfs, 3, 1, arguments: [0, 0, 0, 24, 1, 2]); // handle length 24, two bytes of it
        var reply = CallAndReceive(call);
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 5)), Is.EqualTo((Accepted, GarbageArgs)));
    }

    [Test]
    public void An_unknown_program_gets_prog_unavail()
    {
        var reply = CallAndReceive(RawRpc.Call(2, 100099, 1, 0));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 5)), Is.EqualTo((Accepted, ProgUnavail)));
    }

    [Test]
    public void An_unknown_version_gets_prog_mismatch_with_the_versions_served()
    {
        // NFS is served as versions 3 and 4 (4.0 and 4.1 are minor versions of 4): version 5 is unknown.
        var reply = CallAndReceive(RawRpc.Call(3, Nfs, 5, 0));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 5)), Is.EqualTo((Accepted, ProgMismatch)));
        Assert.That((RawRpc.Word(reply, 6), RawRpc.Word(reply, 7)), Is.EqualTo((3u, 4u)));
    }

    [Test]
    public void An_unknown_procedure_gets_proc_unavail()
    {
        var reply = CallAndReceive(RawRpc.Call(4, Mount, 3, 42));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 5)), Is.EqualTo((Accepted, ProcUnavail)));
    }

    [Test]
    public void Rpc_version_3_gets_rpc_mismatch()
    {
        var reply = CallAndReceive(RawRpc.Call(5, Nfs, 3, 0, rpcVersion: 3));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 3)), Is.EqualTo((Denied, RpcMismatch)));
        Assert.That((RawRpc.Word(reply, 4), RawRpc.Word(reply, 5)), Is.EqualTo((2u, 2u)));
    }

    [Test]
    public void An_unsupported_auth_flavour_gets_auth_too_weak()
    {
        var reply = CallAndReceive(RawRpc.Call(6, Nfs, 3, 0, credFlavor: 6 /* RPCSEC_GSS */, credBody: [0, 0, 0, 1]));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 3), RawRpc.Word(reply, 4)), Is.EqualTo((Denied, AuthError, AuthTooWeak)));
    }

    [Test]
    public void A_malformed_auth_sys_credential_gets_auth_badcred()
    {
        var reply = CallAndReceive(RawRpc.Call(8, Nfs, 3, 0, credFlavor: 1, credBody: [0, 0, 0, 1]));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 3), RawRpc.Word(reply, 4)), Is.EqualTo((Denied, AuthError, AuthBadCred)));
    }

    [Test]
    public void A_valid_auth_sys_null_call_succeeds()
    {
        var reply = CallAndReceive(RawRpc.Call(9, Nfs, 3, 0, credFlavor: 1, credBody: RawRpc.AuthSys(1000, 1000)));
        Assert.That((RawRpc.Word(reply, 2), RawRpc.Word(reply, 5)), Is.EqualTo((Accepted, Success)));
    }
}
