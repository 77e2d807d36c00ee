using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Replies whose data lies outside the reply buffer (<see cref="XdrBufferWriter.ReserveExternal"/>, a READ's lent
/// bytes): sent in pieces (<see cref="ExternalReplySender"/>), byte for byte what a copied reply would carry, with
/// every loan returned once the reply is out or dropped.
/// </summary>
public class ExternalReplyTests
{
    [TestCase(100, 0, 0)]
    [TestCase(3000, 5000, 1)]
    [TestCase(70_000, 1_000_000, 70_001)]
    public async Task Pieces_and_zeros_arrive_as_one_opaque(int firstBytes, int secondBytes, int zeros)
    {
        var second = Pattern(secondBytes + 10, seed: 2);
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.AddExternal(Pattern(firstBytes, seed: 1));
            writer.AddExternal(second.AsMemory(10));
            writer.AddExternalZeros(zeros);
            writer.HoldLoan(loan);
        }, firstBytes + secondBytes + zeros);
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7001));

        reply.AssertSuccess(0x7001);
        byte[] expected = [.. Pattern(firstBytes, seed: 1), .. second.AsSpan(10), .. new byte[zeros]];
        Assert.That(reply.Decode<ReadOnlyMemory<byte>, OpaqueCodec>().ToArray(), Is.EqualTo(expected));
        await Bounded.Until(() => program.Loans.All(loan => loan.Disposals == 1), "the loan was returned");
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
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            // More pieces than one sendmsg takes, too.
            for (int offset = 0; offset < length; offset += 65536)
                writer.AddExternal(memory.AsMemory(offset, 65536));
            writer.HoldLoan(loan);
        }, length);
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
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.AddExternal(memory);
            writer.HoldLoan(loan);
        }, length);
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        var connection = await server.ConnectRawAsync();

        await connection.SendRecordAsync(ExternalProgram.Call(0x7007));
        await connection.ReadExactlyAsync(4096); // the reply has started, and stalls on the full socket
        await connection.DisposeAsync();

        await Bounded.Until(() => program.Loans.Count == 1 && program.Loans[0].Disposals == 1, "the loan was returned");
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task Pieces_that_do_not_fill_the_region_make_a_system_error_and_the_loan_is_returned()
    {
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.HoldLoan(loan);
            writer.AddExternal(Pattern(100, seed: 1));
        }, 200);
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7004));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task A_region_the_result_does_not_reach_makes_a_system_error()
    {
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.HoldLoan(loan);
            writer.AddExternal(Pattern(100, seed: 1));
        }, 100, writeResult: false);
        await using var server = await TestServer.StartAsync(extraPrograms: program);
        await using var connection = await server.ConnectRawAsync();

        var reply = await connection.CallAsync(ExternalProgram.Call(0x7008));

        Assert.That(reply.AcceptStatus, Is.EqualTo(AcceptStat.SystemErr));
        Assert.That(program.Loans.Single().Disposals, Is.EqualTo(1));
    }

    [Test]
    public async Task A_service_failing_after_lending_makes_a_system_error_and_the_loan_is_returned()
    {
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.HoldLoan(loan);
            writer.AddExternal(Pattern(100, seed: 1));
            throw new InvalidOperationException("The service failed after lending.");
        }, 100);
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
        var program = new ExternalProgram(shape: (writer, loan) =>
        {
            writer.AddExternal(Pattern(50, seed: 7));
            writer.AddExternal(Pattern(3000, seed: 6));
            writer.HoldLoan(loan);
        }, 3050);
        await using var server = await TestServer.StartAsync(
            options => options.NonIdempotentProcedures = (number, _, _) => number == ExternalProgram.Number, program);
        await using var connection = await server.ConnectRawAsync();

        var first = await connection.CallAsync(ExternalProgram.Call(0x7006));
        var again = await connection.CallAsync(ExternalProgram.Call(0x7006));

        byte[] expected = [.. Pattern(50, seed: 7), .. Pattern(3000, seed: 6)];
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

    /// <summary>One procedure (1) whose result is an opaque of a fixed length, built by a test as an external region.</summary>
    private sealed class ExternalProgram(Action<XdrBufferWriter, CountingLoan> shape, int length, bool writeResult = true) : IXdrProgram<RpcCallContext>
    {
        public const uint Number = 0x2000_7777;

        public uint Program => Number;
        public uint Version => 1;
        public List<CountingLoan> Loans { get; } = [];

        public static byte[] Call(uint xid) => CallMessage.Build(xid, Number, 1, 1);

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            if (procedure != 1)
                return new(XdrDispatchResult.ProcedureUnavailable);
            // The opaque's length word comes first, then the external bytes.
            var data = results.ReserveExternal(4, length);
            var loan = new CountingLoan();
            lock (Loans)
                Loans.Add(loan);
            shape(results, loan);
            if (writeResult)
                results.Write<ReadOnlyMemory<byte>, OpaqueCodec>(data);
            return new(XdrDispatchResult.Success);
        }
    }

    private sealed class CountingLoan : IDisposable
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose() => Interlocked.Increment(ref _disposals);
    }
}
