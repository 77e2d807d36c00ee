using System.Diagnostics;
using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// S3 going away: each test runs its own s3rver, kills or freezes it, and expects statuses within the request
/// timeout (never a hang), then brings it back on the same port and folder and expects the same store to recover.
/// </summary>
public sealed class OutageTests
{
    private const int BlockSize = 64 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private static long s_nextContent;
    private string _dataDirectory = "";
    private S3rverProcess _server = null!;
    private S3ContentStore _store = null!;
    private RequestLog _requests = null!;

    [SetUp]
    public async Task StartOwnServerAndStoreAsync()
    {
        _dataDirectory = Directory.CreateTempSubdirectory("dittofs-s3rver-outage-").FullName;
        _server = S3rverProcess.Start(S3rverSetup.Launcher, _dataDirectory);
        // Room for two dirty blocks, so a third needs an upload first.
        _requests = new RequestLog();
        _store = await TestStores.OpenAsync(TestStores.Options(_server, "outage/", BlockSize, 2 * BlockSize, RequestTimeout), _requests);
    }

    [TearDown]
    public void StopServerAndStore()
    {
        _store.Dispose();
        _requests.Dispose(); // the store's HttpClient disposed it already; the analyzer cannot see that
        _server.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Test]
    public async Task While_S3_is_down_every_operation_that_needs_it_answers_jukebox_at_once()
    {
        var stored = await StoredContentAsync();
        await _store.WriteAsync(stored, 0, new byte[10]);
        _server.Kill();
        var clock = Stopwatch.StartNew();

        Assert.That(await _store.FlushAsync(stored), Is.EqualTo(StoreStatus.Jukebox), "flush");
        Assert.That((await _store.ReadAsync(stored, BlockSize, new byte[100])).Status, Is.EqualTo(StoreStatus.Jukebox), "read of a stored block");
        Assert.That((await _store.ReadAsync(NewContentId(), 0, new byte[100])).Status, Is.EqualTo(StoreStatus.Jukebox), "read of content not seen before");
        Assert.That(await _store.WriteAsync(stored, 2 * BlockSize, new byte[BlockSize]), Is.EqualTo(StoreStatus.Ok), "a write that fits the buffer");
        Assert.That(await _store.WriteAsync(stored, 3 * BlockSize, new byte[BlockSize]), Is.EqualTo(StoreStatus.Jukebox), "a write that needs room");
        Assert.That(await _store.TruncateAsync(stored, 10), Is.EqualTo(StoreStatus.Jukebox), "truncate");
        Assert.That(await _store.DeleteAsync(stored), Is.EqualTo(StoreStatus.Jukebox), "delete");

        Assert.That(clock.Elapsed, Is.LessThan(RequestTimeout), "refused connections fail at once, without waiting for the timeout");
    }

    [Test]
    public async Task When_S3_is_back_the_same_store_completes_what_failed()
    {
        var stored = await StoredContentAsync();
        var original = Pattern(2 * BlockSize, 1);
        var unseen = NewContentId();
        _server.Kill();
        await _store.WriteAsync(stored, 0, Pattern(10, 2));
        Assert.That(await _store.TruncateAsync(stored, 10), Is.EqualTo(StoreStatus.Jukebox));
        Assert.That((await _store.ReadAsync(unseen, 0, new byte[1])).Status, Is.EqualTo(StoreStatus.Jukebox));

        _server.Start();

        Assert.That(await UntilOkAsync(() => _store.FlushAsync(stored)), Is.EqualTo(StoreStatus.Ok));
        Assert.That((await _store.ReadAsync(unseen, 0, new byte[1])).Status, Is.EqualTo(StoreStatus.Ok));
        byte[] written = [.. Pattern(10, 2), .. original.AsSpan(10)];
        Assert.That(await ReadAllAsync(_store, stored), Is.EqualTo(written), "the truncation that failed changed nothing; the write made during the outage was kept");
        Assert.That(await _store.TruncateAsync(stored, 10), Is.EqualTo(StoreStatus.Ok), "the client's retry of the truncation");
        using var fresh = await TestStores.OpenAsync(TestStores.Options(_server, "outage/", BlockSize));
        Assert.That(await ReadAllAsync(fresh, stored), Is.EqualTo(Pattern(10, 2)), "the retried truncation is stored");
    }

    [TestCase(BlockSize + 1000, false, TestName = "A shrinking truncation refused while S3 is down leaves uploaded content as it was")]
    [TestCase(BlockSize + 1000, true, TestName = "A shrinking truncation refused while S3 is down leaves content with dirty blocks as it was")]
    [TestCase(5 * BlockSize + 7, false, TestName = "A growing truncation refused while S3 is down leaves uploaded content as it was")]
    [TestCase(5 * BlockSize + 7, true, TestName = "A growing truncation refused while S3 is down leaves content with dirty blocks as it was")]
    public async Task A_truncation_refused_while_S3_is_down_leaves_every_byte_and_the_length_as_they_were_and_succeeds_when_S3_is_back(int size, bool dirty)
    {
        var content = NewContentId();
        var before = Pattern(3 * BlockSize, 1);
        Assert.That(await _store.WriteAsync(content, 0, before), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await _store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));
        if (dirty)
        {
            // Two dirty blocks (the buffer's room), both written only in parts: one inside the stored bytes, one
            // reaching past the stored length.
            var inside = Pattern(1000, 2);
            var past = Pattern(BlockSize / 2, 3);
            Assert.That(await _store.WriteAsync(content, BlockSize + 500, inside), Is.EqualTo(StoreStatus.Ok));
            Assert.That(await _store.WriteAsync(content, 3 * BlockSize + 100, past), Is.EqualTo(StoreStatus.Ok));
            before = [.. before.AsSpan(0, BlockSize + 500), .. inside, .. before.AsSpan(BlockSize + 1500), .. new byte[100], .. past];
        }
        long dirtyBytes = _store.DirtyBytes;
        _server.Kill();

        Assert.That(await _store.TruncateAsync(content, (ulong)size), Is.EqualTo(StoreStatus.Jukebox));

        Assert.That(_store.DirtyBytes, Is.EqualTo(dirtyBytes), "no dirty block was dropped");
        _server.Start();
        Assert.That(await UntilOkAsync(async () => (await _store.ReadAsync(content, 0, new byte[1])).Status), Is.EqualTo(StoreStatus.Ok), "S3 is back");
        Assert.That(await ReadAllAsync(_store, content), Is.EqualTo(before), "every byte and the length as before the truncation");
        if (!dirty)
        {
            using var fresh = await TestStores.OpenAsync(TestStores.Options(_server, "outage/", BlockSize));
            Assert.That(await ReadAllAsync(fresh, content), Is.EqualTo(before), "and as stored");
        }

        Assert.That(await _store.TruncateAsync(content, (ulong)size), Is.EqualTo(StoreStatus.Ok), "the retry");

        byte[] after = size <= before.Length ? before[..size] : [.. before, .. new byte[size - before.Length]];
        Assert.That(await ReadAllAsync(_store, content), Is.EqualTo(after), "the truncated content");
        Assert.That(await _store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));
        using var afterwards = await TestStores.OpenAsync(TestStores.Options(_server, "outage/", BlockSize));
        Assert.That(await ReadAllAsync(afterwards, content), Is.EqualTo(after), "as stored");
    }

    [Test]
    public async Task A_frozen_S3_server_costs_one_request_timeout_then_calls_answer_jukebox_at_once_until_it_answers()
    {
        var stored = await StoredContentAsync();
        _server.Freeze();
        TimeSpan first, next;
        int sentWhileSilent;
        try
        {
            var clock = Stopwatch.StartNew();
            var read = await _store.ReadAsync(stored, 0, new byte[100]);
            first = clock.Elapsed;
            Assert.That(read.Status, Is.EqualTo(StoreStatus.Jukebox));

            _requests.Clear();
            clock.Restart();
            var again = await _store.ReadAsync(stored, BlockSize, new byte[100]);
            next = clock.Elapsed;
            sentWhileSilent = _requests.Requests.Count;
            Assert.That(again.Status, Is.EqualTo(StoreStatus.Jukebox));
        }
        finally
        {
            _server.Thaw();
        }
        Assert.That(first, Is.GreaterThanOrEqualTo(RequestTimeout * 0.9).And.LessThan(RequestTimeout * 3), "the first call is bounded by the request timeout");
        Assert.That(next, Is.LessThan(TimeSpan.FromMilliseconds(500)), "the next call does not wait for a silent S3");
        Assert.That(sentWhileSilent, Is.Zero, "nor does it send anything");

        // Within the silence (a second) and one probe, the same store reads again.
        var recovery = Stopwatch.StartNew();
        var status = StoreStatus.Jukebox;
        while (status != StoreStatus.Ok && recovery.Elapsed < RequestTimeout * 3)
        {
            status = (await _store.ReadAsync(stored, 0, new byte[100])).Status;
            if (status != StoreStatus.Ok)
            {
                await Task.Delay(100);
            }
        }
        Assert.That(status, Is.EqualTo(StoreStatus.Ok), "after the thaw");
    }

    [Test]
    public async Task While_S3_is_down_cached_blocks_are_served_and_uncached_ones_answer_jukebox()
    {
        var stored = await StoredContentAsync();
        var requests = new RequestLog();
        using var cached = await TestStores.OpenAsync(TestStores.Options(_server, "outage/", BlockSize, requestTimeout: RequestTimeout, cacheMemoryBytes: 4 * BlockSize), requests);
        Assert.That((await cached.ReadAsync(stored, 0, new byte[BlockSize])).Status, Is.EqualTo(StoreStatus.Ok), "the first block, read once");
        _server.Kill();

        var block = new byte[BlockSize];
        var read = await cached.ReadAsync(stored, 0, block);

        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), "the cached block");
        Assert.That(block, Is.EqualTo(Pattern(2 * BlockSize, 1)[..BlockSize]));
        Assert.That((await cached.ReadAsync(stored, BlockSize, new byte[100])).Status, Is.EqualTo(StoreStatus.Jukebox), "the block never read");
        Assert.That(cached.CacheStatistics!.MemoryHits, Is.EqualTo(1));
    }

    [Test]
    public async Task A_listing_while_S3_is_down_throws_naming_the_bucket_and_endpoint()
    {
        await StoredContentAsync();
        _server.Kill();

        var failure = await Assert.ThrowsAsync<IOException>(async () => await ListAllAsync());

        Assert.That(failure?.Message, Does.Contain($"'{TestStores.Bucket}'").And.Contain(_server.Endpoint));
    }

    [Test]
    public async Task A_listing_of_a_frozen_S3_server_throws_within_the_request_timeout()
    {
        await StoredContentAsync();
        _server.Freeze();
        var clock = Stopwatch.StartNew();
        try
        {
            var failure = await Assert.ThrowsAsync<IOException>(async () => await ListAllAsync());
            Assert.That(failure?.Message, Does.Contain("no answer within"));
        }
        finally
        {
            _server.Thaw();
        }
        Assert.That(clock.Elapsed, Is.LessThan(RequestTimeout * 3));
    }

    [Test]
    public async Task A_truncation_that_loses_S3_part_way_through_its_listing_is_made_at_once_and_growing_completes_the_removal_when_S3_is_back()
    {
        var killer = new BeforeRequest(TestStores.IsListing, _server.Kill, skip: 1);
        using var store = await TestStores.OpenAsync(TestStores.Options(_server, PagedPrefix, PagedBlockSize, requestTimeout: RequestTimeout), killer);
        var (content, data) = await StoreManyBlocksAsync(store);
        var clock = Stopwatch.StartNew();

        Assert.That(await store.TruncateAsync(content, TruncatedSize), Is.EqualTo(StoreStatus.Ok), "the length object was written before: the truncation is made");

        Assert.That(killer.Ran, Is.True, "S3 was killed before the second page");
        Assert.That(clock.Elapsed, Is.LessThan(RequestTimeout), "a refused connection fails at once");
        Assert.That(await store.TruncateAsync(content, TruncatedSize + 1), Is.EqualTo(StoreStatus.Jukebox), "growing needs the removal first");
        _server.Start();
        var read = new byte[2 * TruncatedSize];
        // The first calls after the restart may still meet connections to the killed process and answer JUKEBOX,
        // which a client retries; within a few request timeouts the store must answer.
        var readBack = await store.ReadAsync(content, 0, read);
        var recovery = Stopwatch.StartNew();
        while (!readBack.IsOk && recovery.Elapsed < RequestTimeout * 3)
        {
            await Task.Delay(100);
            readBack = await store.ReadAsync(content, 0, read);
        }
        Assert.That(readBack.Status, Is.EqualTo(StoreStatus.Ok), "S3 is back");
        Assert.That(readBack.Value, Is.EqualTo(TruncatedSize), "the content reads truncated");
        Assert.That(read.AsSpan(0, TruncatedSize).SequenceEqual(data.AsSpan(0, TruncatedSize)), Is.True, "with its bytes up to the new end");
        Assert.That(await store.TruncateAsync(content, TruncatedSize + 1), Is.EqualTo(StoreStatus.Ok), "growing, now that S3 is back");
        Assert.That(await BlockCountAsync(), Is.EqualTo(TruncatedSize / PagedBlockSize + 1), "the blocks past the end are gone");
    }

    [Test]
    public async Task A_truncation_whose_listing_meets_a_frozen_S3_is_made_leaves_S3_silent_and_growing_completes_the_removal_after_the_thaw()
    {
        var freezer = new BeforeRequest(TestStores.IsListing, _server.Freeze, skip: 1);
        using var store = await TestStores.OpenAsync(TestStores.Options(_server, PagedPrefix, PagedBlockSize, requestTimeout: RequestTimeout), freezer);
        var (content, _) = await StoreManyBlocksAsync(store);
        TimeSpan again;
        try
        {
            Assert.That(await store.TruncateAsync(content, TruncatedSize), Is.EqualTo(StoreStatus.Ok), "the second page had no answer, after the length object was written");
            var clock = Stopwatch.StartNew();
            Assert.That(await store.TruncateAsync(content, TruncatedSize + 1), Is.EqualTo(StoreStatus.Jukebox), "growing needs the removal, while S3 is silent");
            again = clock.Elapsed;
        }
        finally
        {
            _server.Thaw();
        }
        Assert.That(again, Is.LessThan(TimeSpan.FromMilliseconds(500)), "a listing does not wait for a silent S3");

        Assert.That(await UntilOkAsync(() => store.TruncateAsync(content, TruncatedSize + 1)), Is.EqualTo(StoreStatus.Ok), "after the thaw");
        Assert.That(await BlockCountAsync(), Is.EqualTo(TruncatedSize / PagedBlockSize + 1), "the blocks past the end are gone");
    }

    /// <summary>
    /// Calls <paramref name="call"/> until it answers other than JUKEBOX, as a client retries, for a few request
    /// timeouts: the first calls after a restart may still meet connections to the killed process.
    /// </summary>
    private static async Task<StoreStatus> UntilOkAsync(Func<ValueTask<StoreStatus>> call)
    {
        var recovery = Stopwatch.StartNew();
        var status = await call();
        while (status == StoreStatus.Jukebox && recovery.Elapsed < RequestTimeout * 3)
        {
            await Task.Delay(100);
            status = await call();
        }
        return status;
    }

    /// <summary>The whole content as <paramref name="store"/> reads it.</summary>
    private static async Task<byte[]> ReadAllAsync(S3ContentStore store, ContentId content)
    {
        var buffer = new byte[8 * BlockSize];
        var read = await store.ReadAsync(content, 0, buffer);
        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok), "read");
        return buffer[..read.Value];
    }

    private async Task ListAllAsync()
    {
        await foreach (var _ in _store.ListAsync())
        {
        }
    }

    /// <summary>Two blocks written and flushed: the store knows the content but holds none of its bytes.</summary>
    private async Task<ContentId> StoredContentAsync()
    {
        var content = NewContentId();
        Assert.That(await _store.WriteAsync(content, 0, Pattern(2 * BlockSize, 1)), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await _store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));
        return content;
    }

    // Content of more blocks than a listing page (s3rver answers 1,000 keys a request), truncated so that the first
    // page holds only a few blocks to delete: s3rver takes seconds to delete a thousand.
    private const string PagedPrefix = "paged/";
    private const int PagedBlockSize = S3ContentStoreOptions.MinBlockSize;
    private const int ManyBlocks = 1_100;
    private const int TruncatedSize = 990 * PagedBlockSize + 100;

    /// <summary><see cref="ManyBlocks"/> full blocks written and flushed through <paramref name="store"/>.</summary>
    private static async Task<(ContentId Content, byte[] Data)> StoreManyBlocksAsync(S3ContentStore store)
    {
        var content = NewContentId();
        var data = Pattern(ManyBlocks * PagedBlockSize, 3);
        Assert.That(await store.WriteAsync(content, 0, data), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));
        return (content, data);
    }

    /// <summary>Block objects under <see cref="PagedPrefix"/>, read straight from S3.</summary>
    private async Task<int> BlockCountAsync() =>
        (await TestStores.ObjectsAsync(_server, PagedPrefix)).Keys.Count(key => !key.EndsWith("/length", StringComparison.Ordinal));

    private static ContentId NewContentId() => new(new UInt128(0x0D, (ulong)Interlocked.Increment(ref s_nextContent)));

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
