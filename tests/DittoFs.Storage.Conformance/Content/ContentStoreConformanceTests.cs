using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IContentStore"/> must show. Derive a [TestFixture] that supplies a fresh store;
/// a persistent store also overrides <see cref="StoreConformanceTests{TStore}.ReopenAsync"/> so the
/// persistence tests run.
/// Content ids are made up by the tests, as a metadata store would make them.
/// </summary>
public abstract partial class ContentStoreConformanceTests : StoreConformanceTests<IContentStore>
{
    private const ulong GiB = 1UL << 30;
    private static long s_nextContent;

    protected static ContentId NewContentId() =>
        new(new UInt128(0xC0FFEE, (ulong)Interlocked.Increment(ref s_nextContent)));

    /// <summary>Bytes that differ at every position and between seeds, so a misplaced byte is noticed.</summary>
    protected static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected async Task WriteAsync(ContentId content, ulong offset, byte[] data)
    {
        Assert.That(await Store.WriteAsync(content, offset, data), Is.EqualTo(StoreStatus.Ok), $"write {data.Length} at {offset}");
    }

    /// <summary>Reads up to <paramref name="length"/> bytes and returns what was read.</summary>
    protected async Task<byte[]> ReadAsync(ContentId content, ulong offset, int length)
    {
        var buffer = new byte[length];
        var read = await Store.ReadAsync(content, offset, buffer);
        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), $"read {length} at {offset}");
        return buffer[..read.Value];
    }

    [Test]
    public async Task Content_never_written_reads_as_empty()
    {
        Assert.That(await ReadAsync(NewContentId(), 0, 100), Is.Empty);
    }

    [Test]
    public async Task Written_bytes_read_back()
    {
        var content = NewContentId();
        var data = Pattern(1000, 1);
        await WriteAsync(content, 0, data);

        Assert.That(await ReadAsync(content, 0, 1000), Is.EqualTo(data));
    }

    [Test]
    public async Task A_read_at_or_past_the_end_reads_nothing()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));

        Assert.That(await ReadAsync(content, 100, 10), Is.Empty);
        Assert.That(await ReadAsync(content, 1_000_000, 10), Is.Empty);
    }

    [Test]
    public async Task A_read_across_the_end_is_short()
    {
        var content = NewContentId();
        var data = Pattern(100, 1);
        await WriteAsync(content, 0, data);

        Assert.That(await ReadAsync(content, 60, 100), Is.EqualTo(data[60..]));
    }

    [Test]
    public async Task A_read_fills_the_callers_buffer_in_place()
    {
        var content = NewContentId();
        var data = Pattern(64, 3);
        await WriteAsync(content, 0, data);
        var buffer = new byte[96];

        var read = await Store.ReadAsync(content, 0, buffer.AsMemory(16, 64));

        Assert.That(read.Value, Is.EqualTo(64));
        Assert.That(buffer[16..80], Is.EqualTo(data));
        Assert.That(buffer[..16].Concat(buffer[80..]), Is.All.Zero, "bytes outside the slice are untouched");
    }

    [Test]
    public async Task A_hole_between_writes_reads_as_zeros()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(10, 1));
        await WriteAsync(content, 3_000_000, Pattern(10, 2));

        var hole = await ReadAsync(content, 10, 2_999_990);

        Assert.That(hole, Has.Length.EqualTo(2_999_990));
        Assert.That(hole, Is.All.Zero);
    }

    [Test]
    public async Task A_write_at_5_GiB_reads_back_after_a_zero_hole()
    {
        var content = NewContentId();
        var data = Pattern(5000, 7);
        await WriteAsync(content, 5 * GiB, data);

        Assert.That(await ReadAsync(content, 5 * GiB, 5000), Is.EqualTo(data));
        Assert.That(await ReadAsync(content, 5 * GiB - 100_000, 100_000), Is.All.Zero);
        Assert.That(await ReadAsync(content, 5 * GiB + 5000, 10), Is.Empty, "the content ends after the write");
    }

    [Test]
    public async Task Overwriting_replaces_only_the_written_bytes()
    {
        var content = NewContentId();
        var original = Pattern(200_000, 1);
        var patch = Pattern(70_000, 2);
        await WriteAsync(content, 0, original);

        await WriteAsync(content, 65_000, patch);

        var expected = original.ToArray();
        patch.CopyTo(expected, 65_000);
        Assert.That(await ReadAsync(content, 0, 200_000), Is.EqualTo(expected));
    }

    [Test]
    public async Task Random_writes_at_random_offsets_match_a_plain_byte_array()
    {
        const int Span = 3 * 1024 * 1024;
        var content = NewContentId();
        var model = new byte[Span];
        int modelLength = 0;
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            int length = random.Next(1, 150_000);
            int offset = random.Next(0, Span - length);
            var data = Pattern(length, i);
            await WriteAsync(content, (ulong)offset, data);
            data.CopyTo(model, offset);
            modelLength = Math.Max(modelLength, offset + length);
        }

        for (int i = 0; i < 100; i++)
        {
            int offset = random.Next(0, modelLength);
            int length = random.Next(1, 300_000);
            int expectedLength = Math.Min(length, modelLength - offset);
            Assert.That(await ReadAsync(content, (ulong)offset, length), Is.EqualTo(model.AsSpan(offset, expectedLength).ToArray()), $"read {length} at {offset}");
        }
    }

    [Test]
    public async Task An_empty_write_does_not_extend_the_content()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(10, 1));

        await WriteAsync(content, 1000, []);

        Assert.That(await ReadAsync(content, 0, 2000), Has.Length.EqualTo(10));
    }

    [Test]
    public async Task A_write_ending_past_the_largest_file_is_fbig()
    {
        var status = await Store.WriteAsync(NewContentId(), PosixRules.MaxFileSize - 5, Pattern(10, 1));

        Assert.That(status, Is.EqualTo(StoreStatus.FBig));
    }

    [Test]
    public async Task Truncating_down_discards_the_tail_and_growing_again_reads_zeros()
    {
        var content = NewContentId();
        var data = Pattern(200_000, 1);
        await WriteAsync(content, 0, data);

        Assert.That(await Store.TruncateAsync(content, 70_000), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await ReadAsync(content, 0, 300_000), Is.EqualTo(data[..70_000]));

        Assert.That(await Store.TruncateAsync(content, 200_000), Is.EqualTo(StoreStatus.Ok));
        var grown = await ReadAsync(content, 0, 300_000);
        Assert.That(grown, Has.Length.EqualTo(200_000));
        Assert.That(grown[..70_000], Is.EqualTo(data[..70_000]));
        Assert.That(grown[70_000..], Is.All.Zero);
    }

    [Test]
    public async Task Truncating_up_adds_a_hole_of_zeros()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(10, 1));

        Assert.That(await Store.TruncateAsync(content, 2 * GiB), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReadAsync(content, 2 * GiB - 1000, 5000), Is.EqualTo(new byte[1000]));
    }

    [Test]
    public async Task Truncating_to_zero_leaves_nothing_to_read()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100_000, 1));

        await Store.TruncateAsync(content, 0);

        Assert.That(await ReadAsync(content, 0, 100), Is.Empty);
    }

    [Test]
    public async Task Truncating_content_never_written_gives_zeros()
    {
        var content = NewContentId();

        Assert.That(await Store.TruncateAsync(content, 4096), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReadAsync(content, 0, 8192), Is.EqualTo(new byte[4096]));
    }

    [Test]
    public async Task Deleted_content_reads_as_empty()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));

        Assert.That(await Store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReadAsync(content, 0, 100), Is.Empty);
    }

    [Test]
    public async Task Deleting_content_never_written_is_ok()
    {
        Assert.That(await Store.DeleteAsync(NewContentId()), Is.EqualTo(StoreStatus.Ok));
    }

    [Test]
    public async Task Contents_are_independent()
    {
        var first = NewContentId();
        var second = NewContentId();
        await WriteAsync(first, 0, Pattern(100, 1));
        await WriteAsync(second, 0, Pattern(50, 2));

        await Store.DeleteAsync(second);

        Assert.That(await ReadAsync(first, 0, 100), Is.EqualTo(Pattern(100, 1)));
    }

    [Test]
    public async Task Flushed_content_reads_back()
    {
        var content = NewContentId();
        await WriteAsync(content, 0, Pattern(100, 1));

        Assert.That(await Store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await ReadAsync(content, 0, 100), Is.EqualTo(Pattern(100, 1)));
    }

    [Test]
    public async Task Stats_never_report_more_free_than_total()
    {
        await WriteAsync(NewContentId(), 0, Pattern(100_000, 1));

        var stats = await Store.GetStatsAsync();

        Assert.That(stats.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That(stats.Value.FreeBytes, Is.LessThanOrEqualTo(stats.Value.TotalBytes));
        Assert.That(stats.Value.AvailableBytes, Is.LessThanOrEqualTo(stats.Value.FreeBytes));
    }

    [Test]
    public async Task Many_tasks_writing_disjoint_ranges_of_one_file_all_land()
    {
        const int Writers = 16;
        const int RangeLength = 100_000;
        var content = NewContentId();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            // Each writer fills its range in uneven pieces, so pieces of neighbours share chunks.
            var data = Pattern(RangeLength, writer);
            for (int offset = 0; offset < RangeLength; offset += 7_777)
            {
                int length = Math.Min(7_777, RangeLength - offset);
                var status = await Store.WriteAsync(content, (ulong)(writer * RangeLength + offset), data.AsMemory(offset, length));
                Assert.That(status, Is.EqualTo(StoreStatus.Ok));
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        var all = await ReadAsync(content, 0, Writers * RangeLength);
        for (int writer = 0; writer < Writers; writer++)
        {
            Assert.That(all.AsSpan(writer * RangeLength, RangeLength).ToArray(), Is.EqualTo(Pattern(RangeLength, writer)), $"range of writer {writer}");
        }
    }
}
