namespace DittoFs.Rpc.Tests;

/// <summary>
/// Retransmissions of non-idempotent calls (same client, xid, procedure and arguments) get the first reply and
/// do not run again, on the same connection or a new one; other calls are not affected.
/// </summary>
public class DuplicateRequestCacheTests
{
    // The test program's NULL (version 1) and ECHO stand in for non-idempotent procedures; NULL counts its runs.
    private static Task<TestServer> StartAsync(int capacity = 4096) => TestServer.StartAsync(options =>
    {
        options.NonIdempotentProcedures = (program, version, procedure) =>
            program == TestProgram.Number && version == 1 && procedure is TestProcedure.Null or TestProcedure.Echo or TestProcedure.Gated;
        options.DuplicateRequestCacheSize = capacity;
    });

    [Test]
    public async Task A_retransmission_on_the_same_connection_gets_the_first_reply_without_running_again()
    {
        await using var server = await StartAsync();
        await using var connection = await server.ConnectRawAsync();

        (await connection.CallAsync(CallMessage.Test(0x501, TestProcedure.Null))).AssertSuccess(0x501);
        (await connection.CallAsync(CallMessage.Test(0x501, TestProcedure.Null))).AssertSuccess(0x501);

        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_retransmission_on_a_new_connection_gets_the_first_reply()
    {
        await using var server = await StartAsync();
        await using (var first = await server.ConnectRawAsync())
            (await first.CallAsync(CallMessage.Test(0x502, TestProcedure.Null))).AssertSuccess(0x502);
        await using var second = await server.ConnectRawAsync();

        (await second.CallAsync(CallMessage.Test(0x502, TestProcedure.Null))).AssertSuccess(0x502);

        Assert.That(server.Program.NullCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_new_xid_runs_again()
    {
        await using var server = await StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.CallAsync(CallMessage.Test(0x503, TestProcedure.Null));
        await connection.CallAsync(CallMessage.Test(0x504, TestProcedure.Null));

        Assert.That(server.Program.NullCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task The_same_xid_with_other_arguments_is_a_new_call()
    {
        await using var server = await StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.CallAsync(CallMessage.Echo(0x505, [1, 2, 3]));
        var second = await connection.CallAsync(CallMessage.Echo(0x505, [4, 5, 6]));

        Assert.That(second.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(new byte[] { 4, 5, 6 }));
    }

    [Test]
    public async Task Procedures_outside_the_policy_run_again()
    {
        await using var server = await TestServer.StartAsync(options => options.NonIdempotentProcedures = (_, _, _) => false);
        await using var connection = await server.ConnectRawAsync();

        await connection.CallAsync(CallMessage.Test(0x506, TestProcedure.Null));
        (await connection.CallAsync(CallMessage.Test(0x506, TestProcedure.Null))).AssertSuccess(0x506);

        Assert.That(server.Program.NullCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task A_retransmission_of_a_call_still_running_is_dropped()
    {
        await using var server = await StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var gated = CallMessage.Gated(0x507, 7);

        await connection.SendRecordAsync(gated);
        await server.Gates[7].Entered.Within();
        await connection.SendRecordAsync(gated);
        await Bounded.Until(() => server.Observer.Calls.Any(c => c.Status == RpcCallStatus.Dropped), "the copy is dropped");
        server.Gates[7].Open();

        (await connection.ReadReplyAsync()).AssertSuccess(0x507);
        // The next reply on the connection is the next call's: the dropped copy sent nothing.
        (await connection.CallAsync(CallMessage.Test(0x508, TestProcedure.Echo, OpaqueCodecArguments([1])))).AssertSuccess(0x508);
    }

    [Test]
    public async Task The_oldest_replies_are_forgotten_beyond_the_capacity()
    {
        await using var server = await StartAsync(capacity: 2);
        await using var connection = await server.ConnectRawAsync();

        await connection.CallAsync(CallMessage.Test(0x510, TestProcedure.Null));
        await connection.CallAsync(CallMessage.Test(0x511, TestProcedure.Null));
        await connection.CallAsync(CallMessage.Test(0x512, TestProcedure.Null));
        await connection.CallAsync(CallMessage.Test(0x510, TestProcedure.Null)); // forgotten: runs again

        Assert.That(server.Program.NullCalls, Is.EqualTo(4));
    }

    private static byte[] OpaqueCodecArguments(byte[] data) => DittoFs.Xdr.XdrCodec.Encode<ReadOnlyMemory<byte>, OpaqueCodec>(data);
}
