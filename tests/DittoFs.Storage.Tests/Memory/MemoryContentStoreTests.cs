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
    public async Task A_write_far_out_allocates_only_the_chunk_it_touches_and_only_as_much_of_it_as_it_needs()
    {
        var store = new MemoryContentStore();

        await store.WriteAsync(Content, 5UL << 30, new byte[10]);

        Assert.That(await UsedBytesAsync(store), Is.EqualTo(ChunkPool.MinCapacity));
    }

    [Test]
    public async Task A_chunk_reused_after_a_delete_reads_zeros_where_the_new_content_was_not_written()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, Enumerable.Repeat((byte)0xAA, (int)Chunk).ToArray());
        await store.DeleteAsync(Content);
        Assert.That(store.Chunks.FreeCount, Is.EqualTo(1), "the deleted content's chunk is kept for reuse");
        var other = new ContentId(2);

        // Near the end of the chunk's place: a chunk of the whole 64 KiB, the one just freed.
        const int at = (int)Chunk - 100;
        await store.WriteAsync(other, at, new byte[] { 1, 2, 3 });
        await store.TruncateAsync(other, Chunk);
        var read = new byte[Chunk];
        await store.ReadAsync(other, 0, read);

        Assert.That(store.Chunks.FreeCount, Is.Zero, "the freed chunk was reused");
        Assert.That(read.AsSpan(0, at).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(read.AsSpan(at, 3).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(read.AsSpan(at + 3).ContainsAnyExcept((byte)0), Is.False);
    }

    [Test]
    public async Task A_small_file_costs_its_size_rounded_up_to_a_capacity_not_a_whole_chunk()
    {
        var store = new MemoryContentStore();

        await store.WriteAsync(Content, 0, new byte[4096]);
        await store.WriteAsync(new ContentId(2), 0, new byte[4097]);
        await store.WriteAsync(new ContentId(3), 0, new byte[1]);

        Assert.That(await UsedBytesAsync(store), Is.EqualTo(4096 + 6144 + ChunkPool.MinCapacity));
    }

    [Test]
    public async Task Hundreds_of_small_files_hold_at_most_one_and_a_half_times_their_bytes_plus_a_constant_each()
    {
        // Sizes from 1 B to 200 KiB (several chunks), some written at once, some appended in pieces of 1000 B.
        var store = new MemoryContentStore();
        const int files = 400;
        long bytes = 0;
        long chunks = 0;
        for (int i = 0; i < files; i++)
        {
            int size = i < 200 ? 4096 : 1 + (int)((uint)(i * 2654435761) % (200 * 1024));
            var data = Pattern(i, size);
            if (i % 2 == 0)
            {
                await store.WriteAsync(new ContentId((ulong)i + 1), 0, data);
            }
            else
            {
                for (int at = 0; at < size; at += 1000)
                {
                    await store.WriteAsync(new ContentId((ulong)i + 1), (ulong)at, data.AsMemory(at, Math.Min(1000, size - at)));
                }
            }
            bytes += size;
            chunks += (size + (int)Chunk - 1) / (int)Chunk;
        }

        ulong used = await UsedBytesAsync(store);
        Assert.That(used, Is.LessThanOrEqualTo((ulong)(1.5 * bytes) + (ulong)(chunks * ChunkPool.MinCapacity)),
            $"{files} files, {bytes} bytes in {chunks} chunks");
        Assert.That(used, Is.GreaterThanOrEqualTo((ulong)bytes));
        for (int i = 0; i < files; i++)
        {
            int size = i < 200 ? 4096 : 1 + (int)((uint)(i * 2654435761) % (200 * 1024));
            var read = new byte[size + 10];
            var count = await store.ReadAsync(new ContentId((ulong)i + 1), 0, read);
            Assert.That(count.Value, Is.EqualTo(size), $"file {i}");
            Assert.That(read.AsSpan(0, size).SequenceEqual(Pattern(i, size)), Is.True, $"file {i}: grown chunks kept the bytes");
        }
    }

    private static byte[] Pattern(int seed, int size)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Test]
    public async Task A_chunk_grows_in_place_of_the_old_one_and_reads_zeros_between_what_was_written()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, new byte[] { 1, 2, 3 });

        await store.WriteAsync(Content, 10_000, new byte[] { 4 });

        var read = new byte[10_001];
        Assert.That((await store.ReadAsync(Content, 0, read)).Value, Is.EqualTo(10_001));
        Assert.That(read[..3], Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(read.AsSpan(3, 10_000 - 3).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(read[10_000], Is.EqualTo(4));
        Assert.That(await UsedBytesAsync(store), Is.EqualTo((ulong)ChunkPool.CapacityFor(10_001)), "the small chunk was given back");
    }

    [Test]
    public async Task Bytes_past_a_chunks_capacity_but_within_the_length_are_read_and_lent_as_zeros()
    {
        var store = new MemoryContentStore();
        await store.WriteAsync(Content, 0, new byte[] { 7, 7 });
        await store.TruncateAsync(Content, 3 * Chunk);

        var read = new byte[3 * Chunk];
        Assert.That((await store.ReadAsync(Content, 0, read)).Value, Is.EqualTo(3 * (int)Chunk));
        var lent = new CollectingLoans();
        Assert.That((await store.LendAsync(Content, 0, 3 * (int)Chunk, lent)).Value, Is.EqualTo(3 * (int)Chunk));

        Assert.That(read[..2], Is.EqualTo(new byte[] { 7, 7 }));
        Assert.That(read.AsSpan(2).ContainsAnyExcept((byte)0), Is.False);
        Assert.That(lent.Bytes, Is.EqualTo(read));
        lent.Dispose();
    }

    [Test]
    public async Task Freed_chunks_beyond_the_pools_bound_go_to_the_GC_and_those_within_it_serve_the_next_writes()
    {
        const int size = 16 * 1024;
        var store = new MemoryContentStore(poolBytes: 4 * size);
        var arrays = new List<WeakReference>();
        for (int i = 0; i < 10; i++)
        {
            await store.WriteAsync(new ContentId((ulong)i + 1), 0, new byte[size]);
            arrays.Add(await ChunkArrayOfAsync(store, new ContentId((ulong)i + 1)));
        }

        for (int i = 0; i < 10; i++)
        {
            await store.DeleteAsync(new ContentId((ulong)i + 1));
        }

        Assert.That(store.Chunks.FreeBytes, Is.EqualTo(4 * size), "the pool keeps up to its bound");
        Assert.That(store.Chunks.FreeCount, Is.EqualTo(4));
        // The pool asks for a collection itself once enough was dropped: the six it did not keep are collected
        // without this test collecting anything. (Another collection, of other tests' garbage, may take them first:
        // the pool's own comes once removals have gone quiet, so both are waited for.)
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((arrays.Count(a => !a.IsAlive) < 6 || store.Chunks.Collections < 1) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.That(arrays.Count(a => !a.IsAlive), Is.EqualTo(6), "the chunks beyond the bound were collected");
        Assert.That(store.Chunks.Collections, Is.GreaterThanOrEqualTo(1));
        var kept = arrays.Where(a => a.IsAlive).Select(a => a.Target).ToList();

        for (int i = 0; i < 4; i++)
        {
            await store.WriteAsync(new ContentId((ulong)i + 100), 0, new byte[size]);
        }

        Assert.That(store.Chunks.FreeCount, Is.Zero, "the kept chunks were reused");
        Assert.That(store.Chunks.FreeBytes, Is.Zero);
        for (int i = 0; i < 4; i++)
        {
            var reused = await ChunkArrayOfAsync(store, new ContentId((ulong)i + 100));
            Assert.That(kept, Does.Contain(reused.Target), "a new file's chunk is one the pool kept");
        }
    }

    [Test]
    public async Task The_pool_keeps_chunks_of_each_capacity_for_writes_of_that_capacity()
    {
        var store = new MemoryContentStore(poolBytes: 1 << 20);
        await store.WriteAsync(Content, 0, new byte[4096]);
        await store.DeleteAsync(Content);
        Assert.That(store.Chunks.FreeBytes, Is.EqualTo(4096));

        await store.WriteAsync(new ContentId(2), 0, new byte[100]);
        Assert.That(store.Chunks.FreeBytes, Is.EqualTo(4096), "a 100-byte file does not take the 4 KiB chunk");

        await store.WriteAsync(new ContentId(3), 0, new byte[4000]);
        Assert.That(store.Chunks.FreeBytes, Is.Zero, "a file of about 4 KiB does");
    }

    /// <summary>A weak reference to the array of the first chunk of <paramref name="content"/>, reached by lending it.</summary>
    private static async Task<WeakReference> ChunkArrayOfAsync(MemoryContentStore store, ContentId content)
    {
        var lent = new CollectingLoans();
        await store.LendAsync(content, 0, 1, lent);
        var weak = WeakArrayOf(lent.Pieces[0]);
        lent.Dispose();
        return weak;
    }

    private static WeakReference WeakArrayOf(ReadOnlyMemory<byte> memory) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment)
            ? new WeakReference(segment.Array)
            : throw new InvalidOperationException("lent memory is not an array");

    /// <summary>Keeps what a lend hands over, and lets go of the loans when disposed.</summary>
    private sealed class CollectingLoans : IContentBorrower, IDisposable
    {
        private readonly List<IDisposable> _loans = [];

        public List<ReadOnlyMemory<byte>> Pieces { get; } = [];

        public byte[] Bytes => Pieces.SelectMany(p => p.ToArray()).ToArray();

        public void Borrow(ReadOnlyMemory<byte> bytes) => Pieces.Add(bytes);

        public void Hold(IDisposable loan) => _loans.Add(loan);

        public void Dispose()
        {
            foreach (var loan in _loans)
            {
                loan.Dispose();
            }
            _loans.Clear();
            Pieces.Clear();
        }
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
        Assert.That(await UsedBytesAsync(store), Is.EqualTo(Chunk + ChunkPool.MinCapacity), "the last chunk shrank to what it holds");

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
