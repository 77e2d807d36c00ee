using DittoFs.Storage.S3.Buffering;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Buffering;

public sealed class WriteBackBufferTests
{
    private const int BlockSize = 4096;

    [Test]
    public void Reservations_stop_at_the_budget_and_resume_when_one_is_freed()
    {
        var buffer = new WriteBackBuffer(BlockSize, 3 * BlockSize);

        Assert.That(Enumerable.Range(0, 4).Select(_ => buffer.TryReserve()), Is.EqualTo(new[] { true, true, true, false }));
        Assert.That(buffer.DirtyBytes, Is.EqualTo(3 * BlockSize));
        buffer.Unreserve();

        Assert.That(buffer.TryReserve(), Is.True);
        Assert.That(buffer.PeakDirtyBytes, Is.EqualTo(3 * BlockSize));
    }

    [Test]
    public void The_oldest_block_is_offered_first_and_a_failed_one_comes_back_to_the_front()
    {
        var buffer = new WriteBackBuffer(BlockSize, 3 * BlockSize);
        var first = NewBlock(buffer, 0);
        var second = NewBlock(buffer, 1);

        Assert.That(buffer.Oldest(), Is.SameAs(first));
        buffer.Dequeue(first);
        Assert.That(buffer.Oldest(), Is.SameAs(second));
        buffer.Requeue(first);

        Assert.That(buffer.Oldest(), Is.SameAs(first));
    }

    [Test]
    public void Freeing_a_block_signals_waiting_writers()
    {
        var buffer = new WriteBackBuffer(BlockSize, BlockSize);
        var block = NewBlock(buffer, 0);
        var changed = buffer.Changed;

        buffer.Free(block);

        Assert.That(changed.IsCompleted, Is.True);
        Assert.That(buffer.DirtyBytes, Is.Zero);
        Assert.That(buffer.Oldest(), Is.Null);
    }

    [Test]
    public void A_rented_buffer_is_zeroed()
    {
        var buffer = new WriteBackBuffer(BlockSize, BlockSize);
        var used = NewBlock(buffer, 0);
        used.Buffer.AsSpan().Fill(9);
        buffer.Free(used);
        buffer.TryReserve();

        Assert.That(buffer.RentBuffer().AsSpan(0, BlockSize).ToArray(), Is.All.Zero);
    }

    private static DirtyBlock NewBlock(WriteBackBuffer buffer, ulong index)
    {
        Assert.That(buffer.TryReserve(), Is.True);
        var block = new DirtyBlock(new ContentState(default), index, BlockSize, buffer.RentBuffer(), complete: true);
        buffer.Enqueue(block);
        return block;
    }
}
