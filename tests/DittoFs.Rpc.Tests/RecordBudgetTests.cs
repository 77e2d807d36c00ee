using System.Buffers;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// The server-wide budget for bytes held in partly received records (<see cref="RpcServerOptions.MaxPendingRecordBytes"/>)
/// and the record timeout: the budget itself, the assembler's charges, and a real server full of clients that start
/// large records and stall. Assertions are on the budget's counter, not on process memory.
/// </summary>
public class RecordBudgetTests
{
    private const int Mebibyte = 1024 * 1024;

    [Test]
    public void Charges_fit_up_to_the_limit_and_releases_give_them_back()
    {
        var budget = new RecordBudget(100);

        Assert.That(budget.TryCharge(60), Is.True);
        Assert.That(budget.TryCharge(41), Is.False, "over the limit: nothing charged");
        Assert.That(budget.TryCharge(40), Is.True);
        Assert.That(budget.Used, Is.EqualTo(100));
        budget.Release(100);
        Assert.That(budget.Used, Is.Zero);
    }

    [Test]
    public async Task A_waiter_is_granted_when_enough_is_released_first_come_first_served()
    {
        var budget = new RecordBudget(100);
        Assert.That(budget.TryCharge(90), Is.True);

        var first = budget.WaitAsync(50, CancellationToken.None);
        var second = budget.WaitAsync(10, CancellationToken.None);
        Assert.That(first.IsCompleted || second.IsCompleted, Is.False, "10 would fit, but the first waiter goes first");
        Assert.That(budget.Waiting, Is.EqualTo(2));

        budget.Release(50);
        await first.Within();
        await second.Within();
        Assert.That(budget.Used, Is.EqualTo(40 + 50 + 10));
        Assert.That(budget.Waiting, Is.Zero);
    }

    [Test]
    public async Task A_cancelled_waiter_leaves_nothing_charged_and_lets_the_next_one_through()
    {
        var budget = new RecordBudget(100);
        Assert.That(budget.TryCharge(100), Is.True);
        using var cancel = new CancellationTokenSource();
        var cancelled = budget.WaitAsync(80, cancel.Token);
        var next = budget.WaitAsync(20, CancellationToken.None);

        budget.Release(30);
        Assert.That(next.IsCompleted, Is.False, "behind the first waiter");
        await cancel.CancelAsync();

        Assert.That(async () => await cancelled.Within(), Throws.InstanceOf<OperationCanceledException>());
        await next.Within();
        Assert.That(budget.Used, Is.EqualTo(70 + 20));
        Assert.That(budget.Waiting, Is.Zero);
    }

    [Test]
    public void Small_records_are_not_charged_and_a_large_one_is_charged_until_taken()
    {
        var budget = new RecordBudget(64 * Mebibyte);
        using var assembler = new RecordAssembler(4 * Mebibyte, budget);

        var small = new ReadOnlySequence<byte>(CallMessage.Record(new byte[RecordAssembler.FreeBytes - 4]));
        Assert.That(assembler.TryAssemble(ref small), Is.EqualTo(RecordStatus.Complete));
        Assert.That(budget.Used, Is.Zero, "a record of up to 8 KiB is free");
        RecordAssembler.ReturnRecord(assembler.TakeRecord(out _));

        var partial = new ReadOnlySequence<byte>(CallMessage.Record(new byte[Mebibyte])[..(Mebibyte / 2)]);
        Assert.That(assembler.TryAssemble(ref partial), Is.EqualTo(RecordStatus.NeedMoreData));
        Assert.That(budget.Used, Is.EqualTo(assembler.Capacity), "the partial record's buffer is charged, whole");
        Assert.That(budget.Used, Is.GreaterThan(RecordAssembler.FreeBytes));

        var rest = new ReadOnlySequence<byte>(CallMessage.Record(new byte[Mebibyte])[(Mebibyte / 2)..]);
        Assert.That(assembler.TryAssemble(ref rest), Is.EqualTo(RecordStatus.Complete));
        RecordAssembler.ReturnRecord(assembler.TakeRecord(out int length));
        Assert.That(length, Is.EqualTo(Mebibyte));
        Assert.That(budget.Used, Is.Zero, "a complete record is no longer partial");
    }

    [Test]
    public async Task Without_budget_the_record_takes_what_its_buffer_holds_then_waits_and_grows_once_granted()
    {
        var budget = new RecordBudget(Mebibyte);
        Assert.That(budget.TryCharge(Mebibyte), Is.True); // all of it held elsewhere
        using var assembler = new RecordAssembler(4 * Mebibyte, budget);
        var bytes = CallMessage.Record(new byte[100_000]);

        var input = new ReadOnlySequence<byte>(bytes);
        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.NeedBudget));
        Assert.That(input.Length, Is.EqualTo(bytes.Length - 4), "nothing beyond the header was taken: no free buffer that large");
        Assert.That(assembler.Charged, Is.Zero);

        var waiting = assembler.WaitForBudgetAsync(CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False, "reads pause while the budget is spent");
        budget.Release(Mebibyte);
        await waiting.Within();
        Assert.That(assembler.Charged, Is.EqualTo(budget.Used).And.GreaterThanOrEqualTo(100_000));

        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.Complete));
        RecordAssembler.ReturnRecord(assembler.TakeRecord(out int length));
        Assert.That(length, Is.EqualTo(100_000));
        Assert.That(budget.Used, Is.Zero);
    }

    [Test]
    public async Task A_large_fragment_received_straight_into_its_record_waits_for_budget_and_then_has_room()
    {
        var budget = new RecordBudget(2 * Mebibyte);
        using var assembler = new RecordAssembler(4 * Mebibyte, budget);
        var header = new ReadOnlySequence<byte>(CallMessage.FragmentHeader(Mebibyte, last: true));
        Assert.That(assembler.TryAssemble(ref header), Is.EqualTo(RecordStatus.NeedMoreData));
        Assert.That(budget.TryCharge(2 * Mebibyte), Is.True); // spent elsewhere

        Assert.That(assembler.FragmentTail(arrived: 300_000).IsEmpty, Is.True, "no room without budget");
        var waiting = assembler.WaitForBudgetAsync(CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False);
        budget.Release(2 * Mebibyte);
        await waiting.Within();

        var tail = assembler.FragmentTail(arrived: 300_000);
        Assert.That(tail.Length, Is.GreaterThanOrEqualTo(300_000));
        Assert.That(budget.Used, Is.EqualTo(assembler.Charged).And.EqualTo(assembler.Capacity));
        assembler.Dispose();
        Assert.That(budget.Used, Is.Zero);
    }

    [Test]
    public void An_abandoned_record_gives_its_charge_back()
    {
        var budget = new RecordBudget(64 * Mebibyte);
        var assembler = new RecordAssembler(4 * Mebibyte, budget);
        var input = new ReadOnlySequence<byte>(CallMessage.Record(new byte[Mebibyte])[..300_000]);
        Assert.That(assembler.TryAssemble(ref input), Is.EqualTo(RecordStatus.NeedMoreData));
        Assert.That(budget.Used, Is.GreaterThan(0));

        assembler.Dispose();

        Assert.That(budget.Used, Is.Zero);
    }

    /// <summary>An ECHO call whose record is just under 1 MiB (so its buffer is exactly 1 MiB).</summary>
    private static byte[] LargeCallRecord(uint xid) => CallMessage.Record(CallMessage.Echo(xid, new byte[Mebibyte - 100]));

    /// <summary>Sends all of <paramref name="record"/> but its last byte; the send completes only once the server reads it.</summary>
    private static async Task StallAsync(RawRpcConnection connection, byte[] record)
    {
        try
        {
            await connection.SendAllowingCloseAsync(record[..^1]);
        }
        catch (ObjectDisposedException)
        {
            // Closed by the test while the server was not reading.
        }
    }

    /// <summary>Sends the last byte once the rest has gone (two writes never overlap on one stream).</summary>
    private static async Task FinishAsync(RawRpcConnection connection, Task stalled)
    {
        await stalled.Within();
        await connection.SendAsync([0]);
    }

    [Test]
    public async Task Stalled_records_fill_the_budget_then_reads_pause_while_small_calls_are_still_answered()
    {
        const int Holding = 4, Waiting = 2;
        await using var server = await TestServer.StartAsync(options =>
        {
            options.MaxPendingRecordBytes = Holding * Mebibyte;
            options.RecordTimeout = Timeout.InfiniteTimeSpan;
        });
        var stalled = new List<RawRpcConnection>();
        var sends = new List<Task>();
        try
        {
            for (int i = 0; i < Holding + Waiting; i++)
            {
                var connection = await server.ConnectRawAsync();
                stalled.Add(connection);
                sends.Add(StallAsync(connection, LargeCallRecord((uint)i)));
            }
            // Budget spent: some connections hold it, the others stopped reading until it frees.
            await Bounded.Until(() => server.Server.ConnectionsWaitingForRecordBudget > 0 && server.Server.PendingRecordBytes > (Holding - 1) * Mebibyte,
                "the budget is spent and connections wait for it");
            Assert.That(server.Server.PendingRecordBytes, Is.LessThanOrEqualTo(Holding * Mebibyte));

            // Calls that fit in a connection's free 8 KiB go through.
            await server.AssertServesFreshConnectionAsync();
            await using (var other = await server.ConnectRawAsync())
            {
                var reply = await other.CallAsync(CallMessage.Echo(7, new byte[4000]));
                reply.AssertSuccess(7);
            }
            Assert.That(server.Server.PendingRecordBytes, Is.LessThanOrEqualTo(Holding * Mebibyte));

            // Finishing the stalled records frees the budget for the waiting ones: every call is answered in the end.
            var finished = stalled.Select((connection, i) => FinishAsync(connection, sends[i])).ToArray();
            for (int i = 0; i < stalled.Count; i++)
            {
                var reply = await stalled[i].ReadReplyAsync();
                reply.AssertSuccess((uint)i);
            }
            await Task.WhenAll(finished).Within();
            await Bounded.Until(() => server.Server.PendingRecordBytes == 0, "nothing is partial any more");
        }
        finally
        {
            foreach (var connection in stalled)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Closing_stalled_and_waiting_connections_leaves_nothing_charged()
    {
        await using var server = await TestServer.StartAsync(options =>
        {
            options.MaxPendingRecordBytes = 4 * Mebibyte;
            options.RecordTimeout = Timeout.InfiniteTimeSpan;
        });
        var stalled = new List<RawRpcConnection>();
        var sends = new List<Task>();
        for (int i = 0; i < 10; i++)
        {
            var connection = await server.ConnectRawAsync();
            stalled.Add(connection);
            sends.Add(StallAsync(connection, LargeCallRecord((uint)i)));
        }
        await Bounded.Until(() => server.Server.ConnectionsWaitingForRecordBudget > 0, "connections wait for budget");

        foreach (var connection in stalled)
        {
            await connection.DisposeAsync();
        }

        await Bounded.Until(() => server.Server.ConnectionCount == 0, "every connection is closed");
        await Task.WhenAll(sends).Within();
        Assert.That(server.Server.PendingRecordBytes, Is.Zero);
        Assert.That(server.Server.ConnectionsWaitingForRecordBudget, Is.Zero);
    }

    [Test]
    public async Task A_record_that_stalls_is_closed_by_the_record_timeout_and_its_budget_freed()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        await using var server = await TestServer.StartAsync(options =>
        {
            options.MaxPendingRecordBytes = 4 * Mebibyte;
            options.RecordTimeout = timeout;
        });
        var stalled = new List<RawRpcConnection>();
        var sends = new List<Task>();
        try
        {
            // Four hold the whole budget, two wait for it: all are closed in the end, the waiting ones too.
            for (int i = 0; i < 6; i++)
            {
                var connection = await server.ConnectRawAsync();
                stalled.Add(connection);
                sends.Add(StallAsync(connection, LargeCallRecord((uint)i)));
            }
            // Served meanwhile, past the record timeout: a connection between records is not timed out.
            await using (var other = await server.ConnectRawAsync())
            {
                for (uint xid = 1; xid <= 4; xid++)
                {
                    (await other.CallAsync(CallMessage.Test(xid, TestProcedure.Null))).AssertSuccess(xid);
                    await Task.Delay(timeout / 2);
                }
            }

            foreach (var connection in stalled)
            {
                Assert.That(await connection.ClosedByServerAsync(), Is.True);
            }
            await Task.WhenAll(sends).Within();
            await Bounded.Until(() => server.Server.ConnectionCount == 0, "the stalled connections are gone");
            Assert.That(server.Server.PendingRecordBytes, Is.Zero);
            Assert.That(server.Observer.Closed.Count(reason => reason == RpcConnectionCloseReason.RecordTimeout), Is.EqualTo(6));
        }
        finally
        {
            foreach (var connection in stalled)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Connections_that_send_only_a_fragment_header_hold_no_budget()
    {
        await using var server = await TestServer.StartAsync(options => options.RecordTimeout = Timeout.InfiniteTimeSpan);
        var stalled = new List<RawRpcConnection>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                var connection = await server.ConnectRawAsync();
                stalled.Add(connection);
                await connection.SendAsync(CallMessage.FragmentHeader(RpcServerOptions.DefaultMaxRecordSize - 4, last: true));
            }
            await Bounded.Until(() => server.Server.ConnectionCount == 50, "every connection is accepted");
            await server.AssertServesFreshConnectionAsync();
            Assert.That(server.Server.PendingRecordBytes, Is.Zero);
        }
        finally
        {
            foreach (var connection in stalled)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
