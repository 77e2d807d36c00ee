using DittoFs.Storage.S3.Tests.Infrastructure;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>The write-back buffer: bounded memory, no requests until needed, flush makes writes durable.</summary>
public sealed class WriteBackTests : StoreTestBase
{
    [Test]
    public async Task A_64_MiB_sequential_write_in_1_MiB_pieces_never_holds_more_than_max_dirty_bytes()
    {
        const long MaxDirty = 16 * MiB;
        var store = await OpenAsync(blockSize: 4 * MiB, maxDirtyBytes: MaxDirty);
        var content = NewContentId();

        for (int piece = 0; piece < 64; piece++)
        {
            await WriteAsync(store, content, (ulong)piece * MiB, Pattern(MiB, piece));
            Assert.That(store.DirtyBytes, Is.LessThanOrEqualTo(MaxDirty), $"after piece {piece}");
        }
        await FlushAsync(store, content);

        // Write-behind starts uploading at half the budget, so the buffer fills at least that far.
        Assert.That(store.PeakDirtyBytes, Is.InRange(MaxDirty / 2, MaxDirty), "the buffer was used, within its bound");
        Assert.That(store.DirtyBytes, Is.Zero, "a flush leaves nothing dirty");
        var fresh = await OpenAsync(blockSize: 4 * MiB);
        for (int piece = 0; piece < 64; piece++)
        {
            AssertSameBytes(await ReadAsync(fresh, content, (ulong)piece * MiB, MiB), Pattern(MiB, piece), $"piece {piece}");
        }
    }

    [Test]
    public async Task Writes_send_no_request_until_flushed()
    {
        var log = new RequestLog();
        var store = await OpenAsync(handler: log);
        var content = NewContentId();
        await WriteAsync(store, content, 0, Pattern(100, 1));
        log.Clear();

        await WriteAsync(store, content, 1000, Pattern(50_000, 2));
        await WriteAsync(store, content, 10, Pattern(20, 3));

        Assert.That(log.Requests, Is.Empty);
        await FlushAsync(store, content);
        Assert.That(log.Requests.Select(request => (request.Method.Method, request.Key)), Is.EqualTo(new[]
        {
            // The length object first: no block object may ever hold bytes past the stored length.
            ("PUT", $"/{TestStores.Bucket}/{KeyPrefix}{LengthName(content)}"),
            ("PUT", $"/{TestStores.Bucket}/{KeyPrefix}{BlockName(content, 0)}"),
        }));
    }

    [Test]
    public async Task Flushed_writes_are_visible_to_a_fresh_store_instance()
    {
        var store = await OpenAsync(blockSize: MiB);
        var content = NewContentId();
        var data = Pattern(5 * MiB + 123, 1);
        await WriteAsync(store, content, 3 * MiB + 7, data);

        await FlushAsync(store, content);

        var fresh = await OpenAsync(blockSize: MiB);
        AssertSameBytes(await ReadAsync(fresh, content, 0, 3 * MiB + 7), new byte[3 * MiB + 7], "the hole before the write");
        AssertSameBytes(await ReadAsync(fresh, content, 3 * MiB + 7, data.Length + 100), data, "the write, and nothing after it");
    }

    [Test]
    public async Task Random_writes_across_block_boundaries_match_a_byte_array_before_and_after_reopening()
    {
        const int Span = 512 * KiB;
        var store = await OpenAsync(blockSize: 16 * KiB, maxDirtyBytes: 64 * KiB);
        var content = NewContentId();
        var model = new byte[Span];
        int modelLength = 0;
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            int length = random.Next(1, 40 * KiB);
            int offset = random.Next(0, Span - length);
            var data = Pattern(length, i);
            await WriteAsync(store, content, (ulong)offset, data);
            data.CopyTo(model, offset);
            modelLength = Math.Max(modelLength, offset + length);
        }

        AssertSameBytes(await ReadAsync(store, content, 0, Span), model.AsSpan(0, modelLength), "before the flush");
        await FlushAsync(store, content);
        var fresh = await OpenAsync(blockSize: 16 * KiB);
        AssertSameBytes(await ReadAsync(fresh, content, 0, Span), model.AsSpan(0, modelLength), "from a fresh store");
    }

    [Test]
    public async Task A_partial_overwrite_of_a_stored_block_fetches_it_once_to_merge()
    {
        var original = Pattern(MiB, 1);
        var writer = await OpenAsync(blockSize: MiB);
        var content = NewContentId();
        await WriteAsync(writer, content, 0, original);
        await FlushAsync(writer, content);
        var log = new RequestLog();
        var store = await OpenAsync(blockSize: MiB, handler: log);

        await WriteAsync(store, content, 1000, Pattern(10, 2));
        await FlushAsync(store, content);

        Assert.That(log.Of(HttpMethod.Get, BlockName(content, 0)), Has.Count.EqualTo(1), "one GET to merge");
        Assert.That(log.Of(HttpMethod.Put, BlockName(content, 0)), Has.Count.EqualTo(1), "one PUT of the merged block");
        var expected = original.ToArray();
        Pattern(10, 2).CopyTo(expected, 1000);
        AssertSameBytes(await ReadAsync(await OpenAsync(blockSize: MiB), content, 0, MiB), expected, "merged block");
    }

    [Test]
    public async Task A_write_covering_a_whole_stored_block_replaces_it_without_fetching()
    {
        var writer = await OpenAsync(blockSize: 64 * KiB);
        var content = NewContentId();
        await WriteAsync(writer, content, 0, Pattern(64 * KiB, 1));
        await FlushAsync(writer, content);
        var log = new RequestLog();
        var store = await OpenAsync(blockSize: 64 * KiB, handler: log);

        await WriteAsync(store, content, 0, Pattern(40 * KiB, 2));
        await WriteAsync(store, content, 40 * KiB, Pattern(24 * KiB, 3));
        await FlushAsync(store, content);

        Assert.That(log.Of(HttpMethod.Get, BlockName(content, 0)), Is.Empty);
        var readBack = await ReadAsync(store, content, 0, 64 * KiB);
        AssertSameBytes(readBack, [.. Pattern(40 * KiB, 2), .. Pattern(24 * KiB, 3)], "replaced block");
    }
    [Test]
    public async Task Concurrent_writers_readers_and_flushes_on_shared_blocks_never_lose_a_write()
    {
        // Eight tasks own interleaved 5000-byte stripes, so neighbours share 16 KiB blocks; room for three dirty
        // blocks means constant eviction, merging and write-behind while others read and flush.
        const int Tasks = 8, Stripe = 5000, Stripes = 6;
        var store = await OpenAsync(blockSize: 16 * KiB, maxDirtyBytes: 48 * KiB);
        var content = NewContentId();
        var models = new byte[Tasks][];

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
        {
            var random = new Random(task);
            var model = models[task] = new byte[Stripes * Stripe];
            for (int step = 0; step < 40; step++)
            {
                int stripe = random.Next(Stripes);
                int start = random.Next(Stripe - 1);
                int length = random.Next(1, Stripe - start);
                var data = Pattern(length, task * 1000 + step);
                ulong offset = (ulong)((stripe * Tasks + task) * Stripe + start);
                Assert.That(await store.WriteAsync(content, offset, data), Is.EqualTo(StoreStatus.Ok));
                data.CopyTo(model, stripe * Stripe + start);
                if (step % 7 == 0)
                {
                    Assert.That(await store.FlushAsync(content), Is.EqualTo(StoreStatus.Ok));
                }
                var read = new byte[Stripe];
                Assert.That((await store.ReadAsync(content, (ulong)((stripe * Tasks + task) * Stripe), read)).Status, Is.EqualTo(StoreStatus.Ok));
                Assert.That(read.AsSpan().SequenceEqual(model.AsSpan(stripe * Stripe, Stripe)), Is.True, $"task {task} step {step} reads its stripe back");
            }
        }))).WaitAsync(TimeSpan.FromMinutes(2));

        await FlushAsync(store, content);
        var all = await ReadAsync(await OpenAsync(blockSize: 16 * KiB), content, 0, Tasks * Stripes * Stripe);
        var expected = new byte[Tasks * Stripes * Stripe];
        for (int task = 0; task < Tasks; task++)
        {
            for (int stripe = 0; stripe < Stripes; stripe++)
            {
                models[task].AsSpan(stripe * Stripe, Stripe).CopyTo(expected.AsSpan((stripe * Tasks + task) * Stripe));
            }
        }
        AssertSameBytes(all, expected.AsSpan(0, all.Length), "every stripe, after reopening");
        Assert.That(expected.AsSpan(all.Length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "the content ends after the last written byte");
    }
}
