using System.Net;
using DittoFs.Storage.Conformance;
using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// The block cache against s3rver: copies are served only while they are the object's current version, stay
/// under their sizes, survive a restart on disk, and a sequential reader has its next blocks fetched ahead.
/// </summary>
public sealed class BlockCacheTests : StoreTestBase
{
    private const int BlockSize = 64 * KiB;

    private readonly TemporaryDirectories _directories = new("s3-cache");

    [OneTimeTearDown]
    public void DeleteCacheDirectories() => _directories.Dispose();

    private S3ContentStoreOptions CachedOptions(long memoryBytes = 16 * BlockSize, string? directory = null, long diskBytes = 16 * BlockSize, int readAheadBlocks = 0, bool keepIdleLengths = true)
    {
        var options = TestStores.Options(S3rverSetup.Server, KeyPrefix, BlockSize, cacheMemoryBytes: memoryBytes, cacheDirectory: directory);
        options.CacheDiskBytes = diskBytes;
        options.ReadAheadBlocks = readAheadBlocks;
        options.KeepIdleLengths = keepIdleLengths;
        return options;
    }

    /// <summary><paramref name="blocks"/> full blocks of a pattern written and flushed through an uncached store.</summary>
    private async Task<(ContentId Content, byte[] Data)> StoredAsync(int blocks, int seed = 1)
    {
        var content = NewContentId();
        var data = Pattern(blocks * BlockSize, seed);
        var writer = await OpenAsync(blockSize: BlockSize);
        await WriteAsync(writer, content, 0, data);
        await FlushAsync(writer, content);
        return (content, data);
    }

    private static int BlockGets(RequestLog log, ContentId content) =>
        log.Requests.Count(request => request.Method == HttpMethod.Get && request.Key.Contains($"{content}/0", StringComparison.Ordinal));

    [Test]
    public async Task A_second_read_of_a_block_sends_no_request()
    {
        var (content, data) = await StoredAsync(2);
        var log = new RequestLog();
        var store = await OpenAsync(CachedOptions(), log);
        await ReadAsync(store, content, 0, 2 * BlockSize);
        log.Clear();

        var again = await ReadAsync(store, content, 100, 2 * BlockSize - 200);

        AssertSameBytes(again, data.AsSpan(100, 2 * BlockSize - 200), "bytes read again");
        Assert.That(log.Requests, Is.Empty);
        Assert.That(store.CacheStatistics!.Misses, Is.EqualTo(2));
        Assert.That(store.CacheStatistics.MemoryHits, Is.EqualTo(2));
    }

    [Test]
    public async Task A_small_file_costs_the_cache_its_size_not_a_block()
    {
        var content = NewContentId();
        var writer = await OpenAsync(CachedOptions());
        await WriteAsync(writer, content, 0, Pattern(10, 1));
        await FlushAsync(writer, content);
        var reader = await OpenAsync(CachedOptions());

        AssertSameBytes(await ReadAsync(reader, content, 0, 100), Pattern(10, 1), "the file");

        Assert.That(writer.CacheStatistics!.MemoryBytes, Is.EqualTo(10), "as uploaded");
        Assert.That(reader.CacheStatistics!.MemoryBytes, Is.EqualTo(10), "as fetched");
        Assert.That(await reader.TruncateAsync(content, 100), Is.EqualTo(StoreStatus.Ok));
        AssertSameBytes(await ReadAsync(reader, content, 50, 50), new byte[50], "past the object's end, from its cached copy");
    }

    [Test]
    public async Task A_block_another_store_sharing_the_prefix_rewrote_is_read_anew()
    {
        var content = NewContentId();
        var writer = await OpenAsync(CachedOptions(keepIdleLengths: false));
        var reader = await OpenAsync(CachedOptions(keepIdleLengths: false));
        await WriteAsync(writer, content, 0, Pattern(BlockSize, 1));
        await FlushAsync(writer, content);
        AssertSameBytes(await ReadAsync(reader, content, 0, BlockSize), Pattern(BlockSize, 1), "before the rewrite");

        await WriteAsync(writer, content, 0, Pattern(BlockSize, 2));
        await FlushAsync(writer, content);

        AssertSameBytes(await ReadAsync(reader, content, 0, BlockSize), Pattern(BlockSize, 2), "after the rewrite");
        Assert.That(reader.CacheStatistics!.Stale, Is.EqualTo(1));
        AssertSameBytes(await ReadAsync(reader, content, 0, BlockSize), Pattern(BlockSize, 2), "again, from the cache");
        Assert.That(reader.CacheStatistics.MemoryHits, Is.EqualTo(1), "the copy of the new version is checked and served");
    }

    [Test]
    public async Task A_store_never_serves_its_own_overwritten_or_truncated_blocks_from_the_cache()
    {
        var store = await OpenAsync(CachedOptions());
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(2 * BlockSize, 1));
        await FlushAsync(store, content);
        await ReadAsync(store, content, 0, 2 * BlockSize);

        await WriteAsync(store, content, 10, Pattern(100, 2));
        await FlushAsync(store, content);
        Assert.That(await store.TruncateAsync(content, BlockSize + 50), Is.EqualTo(StoreStatus.Ok));
        Assert.That(await store.TruncateAsync(content, 2 * BlockSize), Is.EqualTo(StoreStatus.Ok));

        byte[] expected = [.. Pattern(10, 1), .. Pattern(100, 2), .. Pattern(2 * BlockSize, 1).AsSpan(110, BlockSize - 60), .. new byte[BlockSize - 50]];
        AssertSameBytes(await ReadAsync(store, content, 0, 2 * BlockSize), expected, "after the overwrite and truncations");
    }

    [Test]
    public async Task Memory_and_disk_stay_under_their_sizes_dropping_the_least_recently_used_blocks()
    {
        var (content, data) = await StoredAsync(6);
        var directory = _directories.Create();
        var log = new RequestLog();
        var store = await OpenAsync(CachedOptions(memoryBytes: 2 * BlockSize, directory: directory, diskBytes: 3 * BlockSize + 3 * KiB), log);

        for (int block = 0; block < 6; block++)
        {
            await ReadAsync(store, content, (ulong)(block * BlockSize), BlockSize);
        }

        var statistics = store.CacheStatistics!;
        Assert.That(statistics.MemoryBytes, Is.LessThanOrEqualTo(2 * BlockSize));
        Assert.That(statistics.MemoryEvictions, Is.EqualTo(4));
        Assert.That(statistics.DiskBytes, Is.LessThanOrEqualTo(3 * BlockSize + 3 * KiB), "three block files, with their headers");
        Assert.That(statistics.DiskEvictions, Is.EqualTo(3));
        Assert.That(Directory.GetFiles(directory, "*.block"), Has.Length.EqualTo(3));
        log.Clear();
        AssertSameBytes(await ReadAsync(store, content, 5 * BlockSize, BlockSize), data.AsSpan(5 * BlockSize), "the last block, from memory");
        AssertSameBytes(await ReadAsync(store, content, 3 * BlockSize, BlockSize), data.AsSpan(3 * BlockSize, BlockSize), "an older one, from disk");
        Assert.That(log.Requests, Is.Empty, "both were still cached");
        AssertSameBytes(await ReadAsync(store, content, 0, BlockSize), data.AsSpan(0, BlockSize), "the first, evicted from both");
        Assert.That(BlockGets(log, content), Is.EqualTo(1));
    }

    [Test]
    public async Task After_a_restart_the_disk_cache_serves_blocks_without_fetching_them_checking_each_once()
    {
        var (content, data) = await StoredAsync(4);
        var directory = _directories.Create();
        var first = await OpenAsync(CachedOptions(directory: directory));
        await ReadAsync(first, content, 0, 4 * BlockSize);
        first.Dispose();

        var log = new RequestLog();
        var restarted = await OpenAsync(CachedOptions(directory: directory), log);
        var read = await ReadAsync(restarted, content, 0, 4 * BlockSize);
        var again = await ReadAsync(restarted, content, 0, 4 * BlockSize);

        AssertSameBytes(read, data, "read after the restart");
        AssertSameBytes(again, data, "read again");
        var blockRequests = log.Requests.Where(request => request.Key.Contains($"{content}/0", StringComparison.Ordinal)).ToList();
        Assert.That(blockRequests, Has.Count.EqualTo(4), "each block checked once, on its first read");
        Assert.That(blockRequests.Select(request => (request.Conditional, request.Status)), Is.All.EqualTo((true, (HttpStatusCode?)HttpStatusCode.NotModified)),
            "checked with If-None-Match and answered 304, without the bytes");
        Assert.That(restarted.CacheStatistics!.DiskHits, Is.EqualTo(4));
        Assert.That(restarted.CacheStatistics.Misses, Is.Zero);
    }

    [Test]
    public async Task A_block_overwritten_in_S3_while_the_server_was_down_is_read_anew_after_the_restart()
    {
        var (content, data) = await StoredAsync(2);
        var directory = _directories.Create();
        var first = await OpenAsync(CachedOptions(directory: directory));
        await ReadAsync(first, content, 0, 2 * BlockSize);
        first.Dispose();
        var replaced = Pattern(BlockSize, 9);
        await TestStores.PutObjectAsync(S3rverSetup.Server, KeyPrefix + BlockName(content, 1), replaced);

        var restarted = await OpenAsync(CachedOptions(directory: directory));

        AssertSameBytes(await ReadAsync(restarted, content, 0, 2 * BlockSize), [.. data.AsSpan(0, BlockSize), .. replaced], "the new second block");
        Assert.That(restarted.CacheStatistics!.Stale, Is.EqualTo(1));
        Assert.That(restarted.CacheStatistics.DiskHits, Is.EqualTo(1));
    }

    [Test]
    public async Task A_second_store_cannot_use_a_cache_directory_in_use()
    {
        var directory = _directories.Create();
        await OpenAsync(CachedOptions(directory: directory));

        var refused = await Assert.ThrowsAsync<IOException>(async () => await OpenAsync(CachedOptions(directory: directory)));

        Assert.That(refused?.Message, Does.Contain(directory).And.Contain("in use"));
    }

    [TestCase(0, 16)]
    [TestCase(4, 3)]
    public async Task A_sequential_reader_waits_for_fewer_fetches_with_read_ahead(int readAheadBlocks, int maxMisses)
    {
        var (content, data) = await StoredAsync(16);
        var log = new RequestLog();
        var store = await OpenAsync(CachedOptions(memoryBytes: 32 * BlockSize, readAheadBlocks: readAheadBlocks), log);

        var read = new List<byte>();
        for (int block = 0; block < 16; block++)
        {
            read.AddRange(await ReadAsync(store, content, (ulong)(block * BlockSize), BlockSize));
        }

        AssertSameBytes([.. read], data, "bytes read");
        var statistics = store.CacheStatistics!;
        Assert.That(statistics.Misses, Is.LessThanOrEqualTo(maxMisses), "blocks each read had to fetch itself");
        Assert.That(statistics.Misses + statistics.MemoryHits, Is.EqualTo(16));
        Assert.That(BlockGets(log, content), Is.EqualTo(16), "each block fetched once");
        Assert.That(statistics.ReadAhead, Is.EqualTo(16 - statistics.Misses));
    }
}
