using DittoFs.Storage.Memory;
using NUnit.Framework;

namespace DittoFs.Storage.Tests.Memory;

/// <summary>What the in-memory content store does beyond the conformance suite.</summary>
[TestFixture]
public sealed class MemoryContentStoreTests
{
    private const ulong Chunk = ChunkedContent.ChunkSize;
    private static readonly ContentId Content = new(1);

    private static async Task<ulong> UsedBytesAsync(MemoryContentStore store)
    {
        var stats = (await store.GetStatsAsync()).Value;
        return stats.TotalBytes - stats.FreeBytes;
    }

    [Test]
    public async Task A_write_far_out_allocates_only_the_chunks_it_touches()
    {
        var store = new MemoryContentStore();

        await store.WriteAsync(Content, 5UL << 30, new byte[10]);

        Assert.That(await UsedBytesAsync(store), Is.EqualTo(Chunk));
    }

    [Test]
    public async Task A_chunk_reused_after_a_delete_reads_zeros_where_the_new_content_was_not_written()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, Enumerable.Repeat((byte)0xAA, (int)Chunk).ToArray());
        await store.DeleteAsync(Content);
        Assert.That(store.Chunks.FreeCount, Is.EqualTo(1), "the deleted content's chunk is kept for reuse");
        var other = new ContentId(2);

        await store.WriteAsync(other, 100, new byte[] { 1, 2, 3 });
        await store.TruncateAsync(other, Chunk);
        var read = new byte[Chunk];
        await store.ReadAsync(other, 0, read);

        Assert.That(store.Chunks.FreeCount, Is.Zero, "the freed chunk was reused");
        Assert.That(read.AsSpan(0, 100).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(read.AsSpan(100, 3).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(read.AsSpan(103).ContainsAnyExcept((byte)0), Is.False);
    }

    [Test]
    public async Task A_lent_chunk_goes_back_to_the_pool_only_when_its_content_and_its_loan_let_go()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, new byte[Chunk]);
        var borrower = new LoanKeeper();
        await store.LendAsync(Content, 0, 100, borrower);

        await store.DeleteAsync(Content);
        Assert.That(store.Chunks.FreeCount, Is.Zero, "lent: not reusable yet");
        borrower.Loan!.Dispose();

        Assert.That(store.Chunks.FreeCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Writing_into_a_lent_chunk_maps_a_copy_and_the_original_returns_when_the_loan_does()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, Enumerable.Repeat((byte)1, (int)Chunk).ToArray());
        var borrower = new LoanKeeper();
        await store.LendAsync(Content, 0, (int)Chunk, borrower);

        await store.WriteAsync(Content, 10, new byte[] { 9 });
        borrower.Loan!.Dispose();

        var read = new byte[20];
        await store.ReadAsync(Content, 0, read);
        Assert.That(read[9..12], Is.EqualTo(new byte[] { 1, 9, 1 }), "the copy kept the rest of the chunk");
        Assert.That(store.Chunks.FreeCount, Is.EqualTo(1), "the original, unmapped and returned");
        Assert.That(await UsedBytesAsync(store), Is.EqualTo(Chunk), "the copy is counted once");
    }

    /// <summary>Keeps the loan a lend hands over; the pieces are not needed.</summary>
    private sealed class LoanKeeper : IContentBorrower
    {
        public IDisposable? Loan { get; private set; }

        public void Borrow(ReadOnlyMemory<byte> bytes) { }

        public void Borrow(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, int length) { }

        public void Hold(IDisposable loan) => Loan = loan;
    }

    [Test]
    public async Task Truncating_up_allocates_nothing()
    {
        var store = new MemoryContentStore();

        await store.TruncateAsync(Content, 1UL << 40);

        Assert.That(await UsedBytesAsync(store), Is.Zero);
    }

    [Test]
    public async Task Truncating_down_and_deleting_give_the_space_back()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, new byte[4 * Chunk]);

        await store.TruncateAsync(Content, Chunk + 1);
        Assert.That(await UsedBytesAsync(store), Is.EqualTo(2 * Chunk));

        await store.DeleteAsync(Content);
        Assert.That(await UsedBytesAsync(store), Is.Zero);
    }

    [Test]
    public async Task A_write_beyond_capacity_is_no_spc_and_writes_nothing()
    {
        var store = new MemoryContentStore(capacityBytes: 2 * Chunk);
        await store.WriteAsync(Content, 0, new byte[] { 1, 2, 3 });

        var status = await store.WriteAsync(Content, 0, Enumerable.Repeat((byte)9, 3 * (int)Chunk).ToArray());

        Assert.That(status, Is.EqualTo(StoreStatus.NoSpc));
        var buffer = new byte[8];
        var read = await store.ReadAsync(Content, 0, buffer);
        Assert.That(buffer[..read.Value], Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public async Task Readers_beside_a_writer_see_a_whole_write_or_none_of_it()
    {
        var store = new MemoryContentStore();
        var zeros = new byte[2 * Chunk];
        var ones = Enumerable.Repeat((byte)1, 2 * (int)Chunk).ToArray();
        await store.WriteAsync(Content, 0, zeros);

        var writer = Task.Run(async () =>
        {
            for (int i = 0; i < 300; i++)
            {
                await store.WriteAsync(Content, 0, i % 2 == 0 ? ones : zeros);
            }
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[2 * Chunk];
            for (int i = 0; i < 300; i++)
            {
                await store.ReadAsync(Content, 0, buffer);
                Assert.That(buffer.All(b => b == 0) || buffer.All(b => b == 1), Is.True, "a read saw half a write");
            }
        }));

        await Task.WhenAll(readers.Append(writer)).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
