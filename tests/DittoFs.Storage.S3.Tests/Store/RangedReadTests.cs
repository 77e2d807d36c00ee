using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>Reads fetch only the blocks, and the bytes within them, that they need.</summary>
public sealed class RangedReadTests : StoreTestBase
{
    private ContentId _content;

    /// <summary>Four flushed 1 MiB blocks, then a fresh store whose requests are logged (its first read loads the length).</summary>
    private async Task<(S3ContentStore Store, RequestLog Log)> StoredFourBlocksAsync()
    {
        _content = NewContentId();
        var writer = await OpenAsync(blockSize: MiB);
        await WriteAsync(writer, _content, 0, Pattern(4 * MiB, 1));
        await FlushAsync(writer, _content);
        var log = new RequestLog();
        var store = await OpenAsync(blockSize: MiB, handler: log);
        await ReadAsync(store, _content, 0, 1);
        log.Clear();
        return (store, log);
    }

    [Test]
    public async Task A_read_inside_one_block_fetches_only_its_range()
    {
        var (store, log) = await StoredFourBlocksAsync();

        var read = await ReadAsync(store, _content, 2 * MiB + 1000, 100_000);

        AssertSameBytes(read, Pattern(4 * MiB, 1).AsSpan(2 * MiB + 1000, 100_000), "bytes read");
        Assert.That(log.Requests.Select(request => (request.Method.Method, request.Key, request.Range)), Is.EqualTo(new[]
        {
            ("GET", $"/{TestStores.Bucket}/{KeyPrefix}{BlockName(_content, 2)}", "bytes=1000-100999"),
        }));
    }

    [Test]
    public async Task A_read_across_a_block_boundary_fetches_the_end_of_one_and_the_start_of_the_next()
    {
        var (store, log) = await StoredFourBlocksAsync();

        var read = await ReadAsync(store, _content, 2 * MiB - 300, 1000);

        AssertSameBytes(read, Pattern(4 * MiB, 1).AsSpan(2 * MiB - 300, 1000), "bytes read");
        Assert.That(log.Requests.Select(request => (request.Key, request.Range)), Is.EquivalentTo(new[]
        {
            ($"/{TestStores.Bucket}/{KeyPrefix}{BlockName(_content, 1)}", $"bytes={MiB - 300}-{MiB - 1}"),
            ($"/{TestStores.Bucket}/{KeyPrefix}{BlockName(_content, 2)}", "bytes=0-699"),
        }));
    }

    [Test]
    public async Task Reading_written_but_unflushed_data_sends_no_request()
    {
        var (store, log) = await StoredFourBlocksAsync();
        var data = Pattern(2 * MiB, 2);
        await WriteAsync(store, _content, MiB, data);

        var read = await ReadAsync(store, _content, MiB, 2 * MiB);

        AssertSameBytes(read, data, "bytes read");
        Assert.That(log.Requests, Is.Empty);
    }

    [Test]
    public async Task Reading_a_block_written_in_part_merges_it_once_then_serves_it_from_memory()
    {
        var (store, log) = await StoredFourBlocksAsync();
        await WriteAsync(store, _content, MiB + 10, Pattern(10, 2));

        await ReadAsync(store, _content, MiB, MiB);
        var again = await ReadAsync(store, _content, MiB, MiB);

        var expected = Pattern(4 * MiB, 1)[MiB..(2 * MiB)];
        Pattern(10, 2).CopyTo(expected, 10);
        AssertSameBytes(again, expected, "merged block");
        Assert.That(log.Of(HttpMethod.Get, BlockName(_content, 1)), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Reading_past_the_stored_objects_of_a_grown_content_sends_no_request()
    {
        var (store, log) = await StoredFourBlocksAsync();
        await WriteAsync(store, _content, 10 * MiB, Pattern(10, 2));
        log.Clear();

        var hole = await ReadAsync(store, _content, 5 * MiB, MiB);

        AssertSameBytes(hole, new byte[MiB], "hole");
        Assert.That(log.Requests, Is.Empty, "nothing is stored past the stored length");
    }
}
