using DittoFs.Storage.S3.Buffering;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Buffering;

public sealed class DirtyBlockTests
{
    private const int BlockSize = 16;

    private static DirtyBlock PartialBlock() => new(new ContentState(default), 3, BlockSize, new byte[BlockSize], complete: false);

    [Test]
    public void Writes_that_cover_the_block_make_it_complete()
    {
        var block = PartialBlock();

        block.Write(0, new byte[10]);
        Assert.That(block.Complete, Is.False);
        block.Write(8, new byte[8]);

        Assert.That(block.Complete, Is.True);
    }

    [Test]
    public void Merging_the_remote_block_keeps_written_bytes_and_fills_the_rest()
    {
        var block = PartialBlock();
        block.Write(4, [1, 1, 1, 1]);

        block.MergeRemote(Enumerable.Repeat((byte)7, 12).ToArray());

        Assert.That(block.Complete, Is.True);
        Assert.That(block.Buffer, Is.EqualTo(new byte[] { 7, 7, 7, 7, 1, 1, 1, 1, 7, 7, 7, 7, 0, 0, 0, 0 }));
    }

    [Test]
    public void Truncating_inside_the_block_zeroes_the_tail_and_forgets_its_writes()
    {
        var block = PartialBlock();
        block.Write(0, Enumerable.Repeat((byte)5, 12).ToArray());

        block.TruncateAt(6);

        Assert.That(block.Buffer[6..], Is.All.Zero);
        Assert.That(block.Written.Covers(0, 6), Is.True);
        Assert.That(block.Written.Covers(0, 7), Is.False);
    }

    [Test]
    public void Too_many_fragments_ask_for_a_merge()
    {
        var block = new DirtyBlock(new ContentState(default), 0, 4 * DirtyBlock.MaxWrittenRanges, new byte[4 * DirtyBlock.MaxWrittenRanges], complete: false);
        bool asked = false;

        for (int i = 0; i <= DirtyBlock.MaxWrittenRanges; i++)
        {
            asked = block.Write(i * 2, [1]);
        }

        Assert.That(asked, Is.True);
    }

    [Test]
    public void The_start_is_the_index_times_the_block_size()
    {
        Assert.That(PartialBlock().Start, Is.EqualTo(3UL * BlockSize));
    }
}
