using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Store;

/// <summary>
/// Two stores on one bucket and prefix, as two servers sharing a metadata store have: with
/// <see cref="S3ContentStoreOptions.KeepIdleLengths"/> off, what one flushed is what the other reads and merges with,
/// however it saw the content before; with it on (one server), a store keeps the length it read.
/// </summary>
public sealed class SharedContentTests : StoreTestBase
{
    private Task<S3ContentStore> OpenSharedAsync(int blockSize) => OpenAsync(blockSize: blockSize, keepIdleLengths: false);

    [Test]
    public async Task An_append_another_store_flushed_is_read_and_a_partial_write_keeps_its_bytes()
    {
        var content = NewContentId();
        var writer = await OpenSharedAsync(64 * KiB);
        var reader = await OpenSharedAsync(64 * KiB);
        var first = Pattern(1000, 1);
        var second = Pattern(3000, 2);
        await WriteAsync(writer, content, 0, first);
        await FlushAsync(writer, content);
        AssertSameBytes(await ReadAsync(reader, content, 0, 1000), first, "before the append");

        await WriteAsync(writer, content, 1000, second);
        await FlushAsync(writer, content);

        AssertSameBytes(await ReadAsync(reader, content, 0, 4000), [.. first, .. second], "after the append");
        // A partial write into that block through the other store merges the remote block.
        await WriteAsync(reader, content, 0, new byte[10]);
        await FlushAsync(reader, content);
        AssertSameBytes(await ReadAsync(writer, content, 0, 4000), [.. new byte[10], .. first.AsSpan(10), .. second], "after a partial write through the other");
    }
}
