using DittoFs.Storage;
using DittoFs.Storage.Memory;

namespace DittoFs.Vfs.Tests;

/// <summary>Reads give the same bytes whether the content store lends them or they are copied, holes as zeros.</summary>
public sealed class ReadTests
{
    private static readonly AuthContext Root = AuthContext.Root();

    [TestCase(true, TestName = "Lent bytes are the file's, with zeros for what the store does not have")]
    [TestCase(false, TestName = "Copied bytes are the file's, with zeros for what the store does not have")]
    public async Task Bytes_read_are_the_files(bool lend)
    {
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF);
        var file = (await vfs.CreateAsync(Root, vfs.Root, "f"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
        var data = new byte[100_000];
        new Random(3).NextBytes(data);
        Assert.That((await vfs.WriteAsync(Root, file.Ref, 0, data, stable: false)).Status, Is.EqualTo(StoreStatus.Ok));
        // Grown past the content: the content store has nothing there, which reads as zeros.
        Assert.That((await vfs.SetAttributesAsync(Root, file.Ref, new SetAttributes { Size = 300_000 }, null)).Status, Is.EqualTo(StoreStatus.Ok));

        IReadBuffer buffer = lend ? new LentReadBuffer() : new CopyingReadBuffer();
        var read = await vfs.ReadAsync(Root, file.Ref, 50_000, 200_000, buffer);

        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok));
        Assert.That((read.Value.Count, read.Value.EndOfFile), Is.EqualTo((200_000, false)));
        byte[] expected = [.. data[50_000..], .. new byte[150_000]];
        byte[] bytes = lend ? ((LentReadBuffer)buffer).Bytes : ((CopyingReadBuffer)buffer).Bytes[..read.Value.Count];
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public async Task A_read_at_or_past_the_end_reads_nothing_and_says_eof()
    {
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF);
        var file = (await vfs.CreateAsync(Root, vfs.Root, "f"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
        await vfs.WriteAsync(Root, file.Ref, 0, new byte[10], stable: false);

        var read = await vfs.ReadAsync(Root, file.Ref, 10, 4096, new CopyingReadBuffer());

        Assert.That((read.Status, read.Value.Count, read.Value.EndOfFile), Is.EqualTo((StoreStatus.Ok, 0, true)));
    }
}
