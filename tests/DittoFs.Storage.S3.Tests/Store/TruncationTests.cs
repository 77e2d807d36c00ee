using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>Truncation and deletion act on the stored objects and are durable when they return.</summary>
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
}
