using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Replies whose data lies outside the reply buffer (<see cref="ReplyData"/>: a READ's bytes read into the reply's own
/// buffer, or lent by a store): sent in pieces (<see cref="ExternalReplySender"/>) or copied in when small, byte for byte
/// what a copied reply would carry, with every loan returned exactly once when the reply is out or dropped.
/// </summary>
public class ExternalReplyTests
{
    [TestCase(100, 0, 0)]
    [TestCase(3000, 50_000, 1)]
    [TestCase(70_000, 1_000_000, 70_001)]
    public async Task Pieces_and_zeros_arrive_as_one_opaque(int firstBytes, int secondBytes, int zeros)
    {
        var second = Pattern(secondBytes + 10, seed: 2);
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(firstBytes, seed: 1));
            data.Add(second.AsMemory(10));
            data.AddZeros(zeros);
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7001));

        reply.AssertSuccess(0x7001);
        byte[] expected = [.. Pattern(firstBytes, seed: 1), .. second.AsSpan(10), .. new byte[zeros]];
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(expected));
        await Bounded.Until(() => program.Loans.All(loan => loan.Disposals == 1), "the loan was returned");
    }

    [TestCase(5)]
    [TestCase(1 << 20)]
    public async Task Bytes_read_into_the_replys_buffer_arrive_as_the_opaque(int length)
    {
        var program = new ExternalProgram(shape: (data, _) => Pattern(length, seed: 3).CopyTo(data.Buffer(length)));
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7002));

        reply.AssertSuccess(0x7002);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(Pattern(length, seed: 3)));
    }

    /// <summary>
    /// Calls answered together leave together: small replies are coalesced into one send, and those with out-of-line data
    /// go in pieces between them, each reply whole and in its place.
    /// </summary>
    [Test]
    public async Task Replies_with_and_without_out_of_line_data_answered_together_each_arrive_whole()
    {
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(40_000, seed: (int)loan.Xid));
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();
        var xids = Enumerable.Range(0x7100, 24).Select(xid => (uint)xid).ToList();

        // One write: the calls run at once and their replies meet in the connection's write loop.
        await connection.SendAsync([.. xids.SelectMany(xid => CallMessage.Record(ExternalProgram.Call(xid, procedure: xid % 2 == 0 ? 1u : 2u)))]);
        var replies = await connection.ReadRepliesAsync(xids.Count);

        Assert.That(replies.Select(reply => reply.Xid), Is.EquivalentTo(xids));
        foreach (var reply in replies)
        {
            var expected = reply.Xid % 2 == 0 ? Pattern(40_000, seed: (int)reply.Xid) : Pattern(100, seed: (int)reply.Xid);
            Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(expected), $"reply {reply.Xid:x}");
        }
        await Bounded.Until(() => program.Loans.Count == 12 && program.Loans.All(loan => loan.Disposals == 1), "every loan was returned");
    }

    /// <summary>
    /// Far more than the socket buffers hold, to a client that reads only after a pause: the sender finds no room
    /// again and again and must wait through the socket's own send, then go on where it stopped.
    /// </summary>
    [Test]
    public async Task A_reply_larger_than_the_socket_buffers_survives_a_slow_reader()
    {
        const int length = 48 << 20;
        var memory = Pattern(length, seed: 4);
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            // More pieces than one sendmsg takes, too.
            for (int offset = 0; offset < length; offset += 65536)
                data.Add(memory.AsMemory(offset, 65536));
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        await connection.SendRecordAsync(ExternalProgram.Call(0x7003));
        await Task.Delay(300);
        var reply = await connection.ReadReplyAsync();

        reply.AssertSuccess(0x7003);
        var data = reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>();
        Assert.That(data.Length, Is.EqualTo(length));
        Assert.That(data.Span.SequenceEqual(memory));
    }

    [Test]
    public async Task A_client_that_leaves_in_the_middle_of_a_large_reply_gets_its_loan_returned()
    {
        const int length = 48 << 20;
        var memory = new byte[length];
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(memory);
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        var connection = await server.ConnectRawAsync();

        await connection.SendRecordAsync(ExternalProgram.Call(0x7007));
        await connection.ReadExactlyAsync(4096); // the reply has started, and stalls on the full socket
        await connection.DisposeAsync();

        await Bounded.Until(() => program.Loans.Count == 1 && program.Loans[0].Disposals == 1, "the loan was returned");
        await server.AssertServesFreshConnectionAsync();
    }

    /// <summary>A result that carries other memory than the data (even with the same bytes) is refused, not sent with the data's place unfilled.</summary>
    [Test]
    public async Task A_result_that_carries_other_bytes_than_the_data_makes_a_system_error_and_the_loan_is_returned()
    {
        var bytes = Pattern(100_000, seed: 1);
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(bytes);
        }, carried: _ => bytes.ToArray());
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7004));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task Data_the_result_does_not_carry_makes_a_system_error_and_the_loan_is_returned()
    {
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(100, seed: 1));
        }, writeResult: false);
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7008));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
    }

    [Test]
    public async Task Data_the_service_drops_is_not_sent_and_its_loan_is_returned()
    {
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(100_000, seed: 1));
            data.Drop();
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7009));

        reply.AssertSuccess(0x7009);
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().Length, Is.Zero);
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
    }

    [Test]
    public async Task A_service_failing_after_lending_makes_a_system_error_and_the_loan_is_returned()
    {
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(100, seed: 1));
            throw new InvalidOperationException("The service failed after lending.");
        });
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7005));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
    }

    /// <summary>The duplicate request cache keeps replies whole: a lent reply is copied in, and a retransmission gets the same bytes.</summary>
    [Test]
    public async Task A_reply_kept_by_the_duplicate_request_cache_is_copied_in_whole()
    {
        var program = new ExternalProgram(shape: (data, loan) =>
        {
            data.Hold(loan);
            data.Add(Pattern(50, seed: 7));
            data.Add(Pattern(300_000, seed: 6));
        });
        await using var server = await TestServer.StartAsync(
            options => options.NonIdempotentProcedures = (number, _, _) => number == ExternalProgram.Number, program);
        await using var connection = await server.ConnectRawAsync();

        var first = await connection.CallAsync(ExternalProgram.Call(0x7006));
        var again = await connection.CallAsync(ExternalProgram.Call(0x7006));

        byte[] expected = [.. Pattern(50, seed: 7), .. Pattern(300_000, seed: 6)];
        Assert.That(first.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(expected));
        Assert.That(again.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(expected));
        Assert.That(program.Loans, Has.Count.EqualTo(1), "the retransmission was answered from the cache");
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1), "returned when copied in");
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// Procedure 1: a service that shapes its reply's data (<see cref="RpcCallContext.ReplyData"/>) and returns an opaque
    /// result carrying <paramref name="carried"/> (the data's <see cref="ReplyData.Opaque"/> unless a test says), or none
    /// without <paramref name="writeResult"/>. Procedure 2: a small opaque of 100 bytes, patterned by xid, in the reply buffer.
    /// </summary>
    private sealed class ExternalProgram(Action<ReplyData, CountingLoan> shape, Func<ReplyData, ReadOnlyMemory<byte>>? carried = null, bool writeResult = true)
        : IXdrProgram<RpcCallContext>
    {
        public const uint Number = 0x2000_7777;

        public uint Program => Number;
        public uint Version => 1;
        public List<CountingLoan> Loans { get; } = [];

        public static byte[] Call(uint xid, uint procedure = 1) => CallMessage.Build(xid, Number, 1, procedure);

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            if (procedure == 2)
            {
                results.Write<ReadOnlyMemory<byte>, OpaqueCodec>(Pattern(100, seed: (int)context.Xid));
                return new(XdrDispatchResult.Success);
            }
            if (procedure != 1)
                return new(XdrDispatchResult.ProcedureUnavailable);
            var data = context.ReplyData!;
            var loan = new CountingLoan(context.Xid);
            lock (Loans)
                Loans.Add(loan);
            shape(data, loan);
            if (writeResult)
                results.Write<ReadOnlyMemory<byte>, OpaqueCodec>(carried is null ? data.Opaque : carried(data));
            return new(XdrDispatchResult.Success);
        }
    }

    private sealed class CountingLoan(uint xid) : IDisposable
    {
        private int _disposals;

        public uint Xid => xid;
        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose() => Interlocked.Increment(ref _disposals);
    }
}
