using DittoFs.Storage.S3.Remote;
using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// Truncation and deletion act on the stored objects and are durable when they return; the write of the length
/// object makes a truncation, and remote bytes it leaves past the length never come back as content.
/// </summary>
public sealed class TruncationTests : StoreTestBase
{
    [Test]
    public async Task Truncating_down_cuts_the_block_holding_the_end_and_deletes_those_past_it()
    {
        var store = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(256 * KiB, 1));
        await FlushAsync(store, content);

        Assert.That(await store.TruncateAsync(content, 100 * KiB), Is.EqualTo(StoreStatus.Ok));

        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.EquivalentTo(new Dictionary<string, long>
        {
            [BlockName(content, 0)] = 64 * KiB,
            [BlockName(content, 1)] = 36 * KiB,
            [LengthName(content)] = "102400".Length,
        }));
    }

    [Test]
    public async Task A_truncation_is_durable_without_a_flush()
    {
        var store = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        var data = Pattern(256 * KiB, 1);
        await WriteAsync(store, content, 0, data);
        await FlushAsync(store, content);

        Assert.That(await store.TruncateAsync(content, 100 * KiB), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.TruncateAsync(content, 300 * KiB), Is.EqualTo(StoreStatus.Ok));

        var fresh = await OpenAsync(blockSize: 64 * KiB);
        var read = await ReadAsync(fresh, content, 0, 400 * KiB);
        AssertSameBytes(read, [.. data.AsSpan(0, 100 * KiB), .. new byte[200 * KiB]], "kept bytes, then zeros where the truncation cut");
    }

    [Test]
    public async Task Dirty_blocks_past_a_truncation_are_dropped_from_the_buffer()
    {
        var store = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(256 * KiB, 1));
        Assert.That(store.DirtyBytes, Is.EqualTo(256 * KiB));

        Assert.That(await store.TruncateAsync(content, 70 * KiB), Is.EqualTo(StoreStatus.Ok));

        Assert.That(store.DirtyBytes, Is.EqualTo(128 * KiB), "the blocks holding bytes 0 to 70 KiB stay");
    }

    [Test]
    public async Task Deleting_removes_every_object_of_the_content()
    {
        var store = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        var other = NewContentId();
        await WriteAsync(store, content, 0, Pattern(200 * KiB, 1));
        await WriteAsync(store, other, 0, Pattern(10, 2));
        await FlushAsync(store, content);
        await FlushAsync(store, other);

        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        Assert.That((await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix)).Keys, Is.EquivalentTo(new[] { BlockName(other, 0), LengthName(other) }));
    }

    [TestCase(true, false, TestName = "After a crash before a truncation cut its end block, a growing truncation reads zeros past the old end")]
    [TestCase(true, true, TestName = "After a crash before a truncation cut its end block, a write past the end reads zeros before it")]
    [TestCase(false, false, TestName = "After a crash before a truncation listed its blocks, a growing truncation reads zeros past the old end")]
    [TestCase(false, true, TestName = "After a crash before a truncation listed its blocks, a write past the end reads zeros before it")]
    public async Task Growing_content_after_a_crash_between_a_truncation_and_its_removal_of_blocks_shows_no_old_bytes(bool beforeTheCut, bool growByWriting)
    {
        // From the moment the truncation is called, S3 refuses the requests of the removal (the cut reads the end
        // block; the listing follows it): the process stops there as far as S3 can tell, and a new one takes over.
        bool stopped = false;
        Func<HttpRequestMessage, bool> removal = beforeTheCut ? request => request.Method == HttpMethod.Get : TestStores.IsListing;
        var crashing = await OpenAsync(blockSize: 64 * KiB, handler: new Throttle(request => stopped && removal(request)));
        var content = NewContentId();
        var data = Pattern(256 * KiB, 1);
        await WriteAsync(crashing, content, 0, data);
        await FlushAsync(crashing, content);
        stopped = true;

        Assert.That(await crashing.TruncateAsync(content, 100 * KiB), Is.EqualTo(StoreStatus.Ok), "the length object was written");

        var left = await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix);
        Assert.That(left[LengthName(content)], Is.EqualTo(ObjectLayout.EncodeLength(100 * KiB, trimming: true).Length), "marked trimming");
        Assert.That(left[BlockName(content, 3)], Is.EqualTo(64 * KiB), "old bytes past the new length are still stored");
        var restarted = await OpenAsync(blockSize: 64 * KiB);
        byte[] expected = [.. data.AsSpan(0, 100 * KiB), .. new byte[200 * KiB]];
        if (growByWriting)
        {
            var written = Pattern(10, 2);
            await WriteAsync(restarted, content, 200 * KiB, written);
            await FlushAsync(restarted, content);
            expected = [.. expected.AsSpan(0, 200 * KiB), .. written];
        }
        else
        {
            Assert.That(await restarted.TruncateAsync(content, 300 * KiB), Is.EqualTo(StoreStatus.Ok));
        }

        AssertSameBytes(await ReadAsync(restarted, content, 0, 400 * KiB), expected, "the kept bytes, then zeros where the truncation cut");
        AssertSameBytes(await ReadAsync(await OpenAsync(blockSize: 64 * KiB), content, 0, 400 * KiB), expected, "as a store opened afresh reads it");
        var objects = await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix);
        Assert.That(objects[BlockName(content, 1)], Is.EqualTo(36 * KiB), "the end block was cut");
        Assert.That(objects.ContainsKey(BlockName(content, 2)), Is.False, "and the block past it deleted");
        Assert.That(objects[LengthName(content)], Is.EqualTo(ObjectLayout.EncodeLength((ulong)expected.Length, trimming: false).Length), "the mark is off");
    }

    [Test]
    public async Task Once_the_blocks_past_a_truncation_are_removed_growing_the_content_lists_nothing_here_or_after_a_restart()
    {
        var log = new RequestLog();
        var store = await OpenAsync(blockSize: 64 * KiB, handler: log);
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(256 * KiB, 1));
        await FlushAsync(store, content);
        Assert.That(await store.TruncateAsync(content, 100 * KiB), Is.EqualTo(StoreStatus.Ok));
        var restartedLog = new RequestLog();
        var restarted = await OpenAsync(blockSize: 64 * KiB, handler: restartedLog);
        log.Clear();

        await WriteAsync(store, content, 300 * KiB, Pattern(10, 2));
        await FlushAsync(store, content);
        await WriteAsync(restarted, content, 400 * KiB, Pattern(10, 3));
        await FlushAsync(restarted, content);

        Assert.That(log.Requests.Where(IsListing), Is.Empty, "the store that truncated");
        Assert.That(restartedLog.Requests.Where(IsListing), Is.Empty, "a store that read the length object afresh");
    }

    private static bool IsListing(RequestLog.Request request) =>
        request.Method == HttpMethod.Get && request.Key.TrimEnd('/') == "/" + TestStores.Bucket;

    [Test]
    public async Task A_truncation_whose_length_write_S3_applied_without_answering_reads_as_before_and_the_next_flush_puts_the_old_length_back()
    {
        var lost = new LostReplies(request => request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.EndsWith("/length", StringComparison.Ordinal));
        var store = await OpenAsync(blockSize: 64 * KiB, handler: lost);
        var content = NewContentId();
        var data = Pattern(256 * KiB, 1);
        await WriteAsync(store, content, 0, data);
        await FlushAsync(store, content);
        lost.Arm();

        Assert.That(await store.TruncateAsync(content, 100 * KiB), Is.EqualTo(StoreStatus.Jukebox), "no answer S3 gave reached the store");

        Assert.That(lost.Lost, Is.GreaterThanOrEqualTo(1));
        Assert.That((await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix))[LengthName(content)], Is.EqualTo(ObjectLayout.EncodeLength(100 * KiB, trimming: true).Length), "yet S3 applied it");
        lost.Disarm();
        AssertSameBytes(await ReadAsync(store, content, 0, 300 * KiB), data, "this store serves the content as it was");
        await FlushAsync(store, content);
        AssertSameBytes(await ReadAsync(await OpenAsync(blockSize: 64 * KiB), content, 0, 300 * KiB), data, "and the flush put the old length back");
    }

    // Content listed across pages: s3rver answers 1,000 keys a listing request, so 1,100 blocks and the length object
    // take two pages.
    private const int PagedBlockSize = S3ContentStoreOptions.MinBlockSize;
    private const int ManyBlocks = 1_100;

    // Each listing request waits this long, so the request timeout lies between one page and the whole listing. It
    // leaves room for s3rver's DeleteObjects of a page of 1,000 keys, which takes it one to three seconds.
    private static readonly TimeSpan ListingDelay = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(4.5);

    [Test]
    public async Task Truncating_content_of_more_blocks_than_a_listing_page_deletes_exactly_those_past_the_end_under_a_timeout_per_page()
    {
        var (content, data) = await StoreManyBlocksAsync();
        var slow = new SlowListings(ListingDelay);
        var store = await OpenAsync(blockSize: PagedBlockSize, handler: slow, requestTimeout: PageTimeout);
        const int Size = 1_050 * PagedBlockSize + 100;

        Assert.That(await store.TruncateAsync(content, Size), Is.EqualTo(StoreStatus.Ok));

        Assert.That(slow.Pages, Is.GreaterThanOrEqualTo(2), "the listing took two requests, longer than the request timeout");
        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.EquivalentTo(ObjectsOf(content, Size)));
        var fresh = await OpenAsync(blockSize: PagedBlockSize);
        AssertSameBytes(await ReadAsync(fresh, content, 0, 2 * Size), data.AsSpan(0, Size), "the bytes up to the new end");
    }

    [Test]
    public async Task Deleting_content_of_more_blocks_than_a_listing_page_removes_every_object_under_a_timeout_per_page()
    {
        var (content, _) = await StoreManyBlocksAsync();
        var slow = new SlowListings(ListingDelay);
        var store = await OpenAsync(blockSize: PagedBlockSize, handler: slow, requestTimeout: PageTimeout);

        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        Assert.That(slow.Pages, Is.GreaterThanOrEqualTo(2), "the listing took two requests, longer than the request timeout");
        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.Empty);
    }

    [Test]
    public async Task A_listing_page_throttled_once_is_retried_and_the_deletion_completes()
    {
        var (content, _) = await StoreManyBlocksAsync();
        var throttle = new Throttle(TestStores.IsListing, skip: 1, times: 1);
        var store = await OpenAsync(blockSize: PagedBlockSize, handler: throttle);

        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        Assert.That(throttle.Throttled, Is.EqualTo(1), "the second page was throttled");
        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.Empty);
    }

    [Test]
    public async Task A_truncation_whose_listing_fails_part_way_is_made_answers_ok_reads_truncated_and_the_retry_completes_the_removal()
    {
        var (content, data) = await StoreManyBlocksAsync();
        var throttle = new Throttle(TestStores.IsListing, skip: 1);
        var store = await OpenAsync(blockSize: PagedBlockSize, handler: throttle);
        const int Size = 500 * PagedBlockSize + 100;

        Assert.That(await store.TruncateAsync(content, Size), Is.EqualTo(StoreStatus.Ok), "the length object was written: the truncation is made, what is left is not content");

        AssertSameBytes(await ReadAsync(store, content, 0, 2 * Size), data.AsSpan(0, Size), "the bytes up to the new end, and none past it");
        var stored = await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix);
        var expected = ObjectsOf(content, ManyBlocks * PagedBlockSize);
        for (int index = 501; index < 1_000; index++)
        {
            expected.Remove(BlockName(content, (ulong)index)); // deleted with the first page
        }
        expected[BlockName(content, 500)] = 100;
        expected[LengthName(content)] = ObjectLayout.EncodeLength(Size, trimming: true).Length;
        Assert.That(stored, Is.EquivalentTo(expected), "the first page's blocks past the end are gone, the rest stay past the new length, marked trimming");
        AssertSameBytes(await ReadAsync(await OpenAsync(blockSize: PagedBlockSize), content, 0, 2 * Size), data.AsSpan(0, Size), "as a store opened afresh reads it");

        throttle.Stop();
        Assert.That(await store.TruncateAsync(content, Size), Is.EqualTo(StoreStatus.Ok), "the retry");

        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.EquivalentTo(ObjectsOf(content, Size)), "the rest is removed and the mark taken off");
    }

    [Test]
    public async Task A_deletion_whose_listing_fails_part_way_answers_jukebox_and_completes_when_retried()
    {
        var (content, _) = await StoreManyBlocksAsync();
        var throttle = new Throttle(TestStores.IsListing, skip: 1);
        var store = await OpenAsync(blockSize: PagedBlockSize, handler: throttle);

        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Jukebox), "every listing request after the first is throttled");

        Assert.That(await ReadAsync(store, content, 0, 100), Is.Empty, "the content reads as deleted through this store");
        var expected = ObjectsOf(content, ManyBlocks * PagedBlockSize);
        for (int index = 0; index < 1_000; index++)
        {
            expected.Remove(BlockName(content, (ulong)index)); // deleted with the first page
        }
        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.EquivalentTo(expected),
            "a deletion has no commit point (deleted content is not read again): the first page is gone, the second page's blocks and the length object stay");

        throttle.Stop();
        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok), "the retry");

        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.Empty);
    }

    /// <summary>A content of <see cref="ManyBlocks"/> full blocks, written and flushed by a store of its own.</summary>
    private async Task<(ContentId Content, byte[] Data)> StoreManyBlocksAsync()
    {
        var store = await OpenAsync(blockSize: PagedBlockSize);
        var content = NewContentId();
        var data = Pattern(ManyBlocks * PagedBlockSize, 1);
        await WriteAsync(store, content, 0, data);
        await FlushAsync(store, content);
        return (content, data);
    }

    /// <summary>The objects a content of <paramref name="length"/> bytes in <see cref="PagedBlockSize"/> blocks has, with their sizes.</summary>
    private static Dictionary<string, long> ObjectsOf(ContentId content, long length)
    {
        var objects = new Dictionary<string, long> { [LengthName(content)] = length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length };
        for (long start = 0; start < length; start += PagedBlockSize)
        {
            objects[BlockName(content, (ulong)(start / PagedBlockSize))] = Math.Min(PagedBlockSize, length - start);
        }
        return objects;
    }
}
