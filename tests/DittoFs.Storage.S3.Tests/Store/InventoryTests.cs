using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// The store lists its contents for fsck (<see cref="IContentInventory"/>): each content with an object once, with
/// the bytes its block objects hold; nothing else under the prefix, nothing outside it, across listing pages.
/// </summary>
public sealed class InventoryTests : StoreTestBase
{
    [Test]
    public async Task Each_content_is_listed_once_with_the_end_of_its_furthest_block_object()
    {
        const int BlockSize = 64 * KiB;
        var store = await OpenAsync(blockSize: BlockSize);
        var multiBlock = NewContentId();
        await WriteAsync(store, multiBlock, 0, Pattern(200 * KiB, 1));
        await FlushAsync(store, multiBlock);
        var sparse = NewContentId();
        await WriteAsync(store, sparse, 0, Pattern(10, 2));
        await WriteAsync(store, sparse, 5 * BlockSize + 100, Pattern(10, 3));
        await FlushAsync(store, sparse);
        var grownOnly = NewContentId();
        Assert.That(await store.TruncateAsync(grownOnly, 300 * KiB), Is.EqualTo(StoreStatus.Ok));
        var writtenThenGrown = NewContentId();
        await WriteAsync(store, writtenThenGrown, 0, Pattern(100 * KiB, 4));
        await FlushAsync(store, writtenThenGrown);
        Assert.That(await store.TruncateAsync(writtenThenGrown, 300 * KiB), Is.EqualTo(StoreStatus.Ok));
        var neverWritten = NewContentId();
        Assert.That(await store.TruncateAsync(neverWritten, 0), Is.EqualTo(StoreStatus.Ok));
        await FlushAsync(store, neverWritten);

        var listed = await ListAsync(await OpenAsync(blockSize: BlockSize));

        Assert.That(listed, Is.EquivalentTo(new[]
        {
            new StoredContent(multiBlock, 200 * KiB),
            new StoredContent(sparse, 5 * BlockSize + 110),
            new StoredContent(grownOnly, 0),
            new StoredContent(writtenThenGrown, 100 * KiB),
        }));
    }

    [Test]
    public async Task Objects_the_store_never_writes_are_not_content_and_keys_outside_the_prefix_are_not_listed()
    {
        var store = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(10, 1));
        await FlushAsync(store, content);
        // Hex letters in the id, so that its upper-case spelling below differs from the store's (a counter's id such
        // as ...0015 has none, and its "upper-case" key was a real length object).
        var other = new ContentId(new UInt128(0xabcdef, 0xabcdef));
        string[] foreign =
        [
            $"{KeyPrefix}README",
            $"{KeyPrefix}{other}",
            $"{KeyPrefix}{other.ToString().ToUpperInvariant()}/length",
            $"{KeyPrefix}{other}/length.bak",
            $"{KeyPrefix}{content}/{10:X16}",
            $"{KeyPrefix}{content}/notes/{0:x16}",
            $"{KeyPrefix.TrimEnd('/')}-other/{other}/length",
            $"{other}/length",
        ];
        foreach (var key in foreign)
        {
            await TestStores.PutObjectAsync(S3rverSetup.Server, key, new byte[100]);
        }

        var listed = await ListAsync(await OpenAsync(blockSize: 64 * KiB));

        Assert.That(listed, Is.EqualTo(new[] { new StoredContent(content, 10) }));
    }

    [Test]
    public async Task A_listing_longer_than_a_page_lists_every_content_once()
    {
        var expected = await StoreAcrossTwoPagesAsync();
        var log = new RequestLog();

        var listed = await ListAsync(await OpenAsync(blockSize: PagedBlockSize, handler: log));

        Assert.That(listed, Is.EqualTo(expected));
        var listings = log.Requests.Where(request => request.Method == HttpMethod.Get && request.Key.TrimEnd('/') == "/" + TestStores.Bucket);
        Assert.That(listings.Count(), Is.GreaterThan(1), "the listing took more than one page");
    }

    [Test]
    public async Task A_listing_throttled_on_its_second_page_starts_again_and_lists_every_content_once()
    {
        var expected = await StoreAcrossTwoPagesAsync();
        var throttle = new Throttle(TestStores.IsListing, skip: 1, times: 1);

        var listed = await ListAsync(await OpenAsync(blockSize: PagedBlockSize, handler: throttle));

        Assert.That(throttle.Throttled, Is.EqualTo(1), "the second page was throttled");
        Assert.That(listed, Is.EqualTo(expected));
    }

    private const int PagedBlockSize = S3ContentStoreOptions.MinBlockSize;

    /// <summary>
    /// Three contents in 601 + 601 + 2 objects: s3rver answers 1,000 keys a request, so the second content spans the
    /// boundary of the first two pages. Returns them as a listing should give them, in key order.
    /// </summary>
    private async Task<StoredContent[]> StoreAcrossTwoPagesAsync()
    {
        var store = await OpenAsync(blockSize: PagedBlockSize);
        var first = NewContentId();
        var second = NewContentId();
        var third = NewContentId();
        await WriteAsync(store, first, 0, Pattern(600 * PagedBlockSize, 1));
        await WriteAsync(store, second, 0, Pattern(600 * PagedBlockSize - 100, 2));
        await WriteAsync(store, third, 0, Pattern(10, 3));
        await Task.WhenAll(FlushAsync(store, first), FlushAsync(store, second), FlushAsync(store, third));
        return [new(first, 600 * PagedBlockSize), new(second, 600 * PagedBlockSize - 100), new(third, 10)];
    }

    private static async Task<List<StoredContent>> ListAsync(IContentInventory inventory)
    {
        var listed = new List<StoredContent>();
        await foreach (var stored in inventory.ListAsync())
        {
            listed.Add(stored);
        }
        return listed;
    }
}
