using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// The store's own count of its S3 requests (exported as <c>dittofs_s3_requests_total</c>, and what the benchmarks'
/// requests per NFS operation are read from) against every HTTP request the store's handler saw.
/// </summary>
public sealed class RequestStatisticsTests : StoreTestBase
{
    [Test]
    public async Task Every_request_sent_is_counted_once_by_its_kind()
    {
        const int blockSize = 64 * KiB;
        var log = new RequestLog();
        var store = await OpenAsync(blockSize: blockSize, handler: log);
        log.Clear(); // opening checks the bucket, which is not a request for content
        var content = NewContentId();

        await WriteAsync(store, content, 0, Pattern(3 * blockSize + 100, 1)); // four blocks and the length
        await FlushAsync(store, content);
        await WriteAsync(store, content, blockSize + 5, Pattern(10, 2));     // a partial block: merged with the remote one
        await FlushAsync(store, content);
        Assert.That(await ReadAsync(store, content, 0, 3 * blockSize + 100), Has.Length.EqualTo(3 * blockSize + 100));
        Assert.That(await store.TruncateAsync(content, blockSize), Is.EqualTo(StoreStatus.Ok));
        await foreach (var _ in store.ListAsync())
        {
        }
        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        var sent = log.Requests;
        var counted = store.RequestStatistics;
        Assert.That(sent.Count(r => r.Method == HttpMethod.Get && r.Key.TrimEnd('/') != "/" + TestStores.Bucket), Is.EqualTo(counted.Gets).And.GreaterThan(0), "GET");
        Assert.That(sent.Count(r => r.Method == HttpMethod.Get && r.Key.TrimEnd('/') == "/" + TestStores.Bucket), Is.EqualTo(counted.Lists).And.GreaterThan(0), "LIST");
        Assert.That(sent.Count(r => r.Method == HttpMethod.Put), Is.EqualTo(counted.Puts).And.GreaterThanOrEqualTo(5), "PUT");
        Assert.That(sent.Count(r => r.Method == HttpMethod.Post), Is.EqualTo(counted.Deletes).And.GreaterThan(0), "DELETE (a POST ?delete of several keys)");
        Assert.That(sent, Has.Count.EqualTo(counted.Gets + counted.Lists + counted.Puts + counted.Deletes), "no other kind of request");
    }

    [Test]
    public async Task Deleting_a_small_file_costs_one_listing_and_one_delete()
    {
        var store = await OpenAsync();
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(4 * KiB, 3));
        await FlushAsync(store, content);
        var before = (store.RequestStatistics.Gets, store.RequestStatistics.Puts, store.RequestStatistics.Deletes, store.RequestStatistics.Lists);

        Assert.That(await store.DeleteAsync(content), Is.EqualTo(StoreStatus.Ok));

        var counted = store.RequestStatistics;
        Assert.That((counted.Gets, counted.Puts, counted.Deletes, counted.Lists), Is.EqualTo((before.Gets, before.Puts, before.Deletes + 1, before.Lists + 1)),
            "the block and the length object listed and deleted together, no length written first");
        Assert.That(await TestStores.ObjectsAsync(S3rverSetup.Server, KeyPrefix), Is.Empty);
        Assert.That(await ReadAsync(await OpenAsync(), content, 0, 100), Is.Empty, "as a store opened afresh reads it");
    }
}
