using DittoFs.Storage;
using DittoFs.Storage.Conformance;
using DittoFs.Storage.FileSystem;
using DittoFs.Storage.Memory;

namespace DittoFs.Vfs.Tests;

/// <summary>
/// A size the metadata store recorded and the content store then refused is taken back: the file's attributes are
/// as before the call, and the call answers the content store's failure.
/// </summary>
public sealed class SizeRollbackTests
{
    private static readonly AuthContext Root = AuthContext.Root();
    private static readonly AuthContext Alice = new(System.Net.IPAddress.Loopback, AuthFlavor.Sys, 1000, 1000, []);
    private static readonly ReadOnlyMemory<byte> FileName = "f"u8.ToArray();

    private readonly TemporaryDirectories _directories = new("vfs");

    [OneTimeTearDown]
    public void DeleteDirectories() => _directories.Dispose();

    [Test]
    public async Task A_size_the_file_system_content_store_cannot_hold_is_FBig_and_leaves_the_attributes_as_they_were()
    {
        using var content = new FileSystemContentStore(_directories.Create());
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), content, rootMode: 0x1FF);
        var file = await CreateWrittenFileAsync(vfs, "0123456789"u8.ToArray());

        var result = await vfs.SetAttributesAsync(Root, file.Ref, new SetAttributes { Size = 999_999_999_999_999 }, null);

        Assert.That(result.Status, Is.EqualTo(StoreStatus.FBig));
        Assert.That((await vfs.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(file));
        Assert.That(result.Value, Is.EqualTo(WccData.Unchanged(file)), "the failure's WCC data says nothing changed");
        Assert.That(await ReadAllAsync(vfs, file), Is.EqualTo("0123456789"u8.ToArray()));
    }

    [Test]
    public async Task Every_attribute_the_refused_call_changed_is_taken_back_with_the_size()
    {
        var content = new RefusingContentStore { TruncateStatus = StoreStatus.Jukebox };
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), content, rootMode: 0x1FF);
        var file = await CreateWrittenFileAsync(vfs, new byte[100], Alice);

        var result = await vfs.SetAttributesAsync(Alice, file.Ref, new SetAttributes { Size = 10, Mode = 0x180 /* 0600 */ }, null);

        Assert.That(result.Status, Is.EqualTo(StoreStatus.Jukebox));
        Assert.That((await vfs.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(file));
    }

    [Test]
    public async Task A_change_made_while_the_content_store_was_refusing_stands()
    {
        var content = new RefusingContentStore { TruncateStatus = StoreStatus.Jukebox };
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), content, rootMode: 0x1FF);
        var file = await CreateWrittenFileAsync(vfs, new byte[100]);
        InodeAttributes later = default;
        content.DuringTruncate = async () =>
        {
            content.DuringTruncate = null;
            later = (await vfs.SetAttributesAsync(Root, file.Ref, new SetAttributes { Mode = 0x1C0 /* 0700 */ }, null)).Value.After!.Value;
        };

        var result = await vfs.SetAttributesAsync(Root, file.Ref, new SetAttributes { Size = 10 }, null);

        Assert.That(result.Status, Is.EqualTo(StoreStatus.Jukebox));
        Assert.That((await vfs.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(later), "not reverted over the later change");
    }

    [Test]
    public async Task An_unchecked_create_that_truncates_an_existing_file_refused_leaves_it_as_it_was()
    {
        var content = new RefusingContentStore();
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), content, rootMode: 0x1FF);
        var file = await CreateWrittenFileAsync(vfs, new byte[100]);
        content.TruncateStatus = StoreStatus.Io;

        var result = await vfs.CreateAsync(Root, vfs.Root, FileName, CreateMode.Unchecked, new SetAttributes { Size = 0 }, 0);

        Assert.That(result.Status, Is.EqualTo(StoreStatus.Io));
        Assert.That((await vfs.GetAttributesAsync(file.Ref)).Value, Is.EqualTo(file));
    }

    [Test]
    public async Task A_new_file_whose_requested_size_is_refused_is_left_empty()
    {
        var content = new RefusingContentStore { TruncateStatus = StoreStatus.NoSpc };
        var vfs = await VirtualFileSystem.OpenAsync("/share", new MemoryMetadataStore(), content, rootMode: 0x1FF);

        var result = await vfs.CreateAsync(Root, vfs.Root, FileName, CreateMode.Unchecked, new SetAttributes { Size = 1 << 20 }, 0);

        Assert.That(result.Status, Is.EqualTo(StoreStatus.NoSpc));
        var found = await vfs.LookupAsync(Root, vfs.Root, FileName);
        Assert.That(found.Value.File.Size, Is.Zero);
    }

    private static async Task<InodeAttributes> CreateWrittenFileAsync(VirtualFileSystem vfs, byte[] data, AuthContext? owner = null)
    {
        var created = await vfs.CreateAsync(owner ?? Root, vfs.Root, FileName, CreateMode.Guarded, new SetAttributes { Mode = 0x1A4 }, 0);
        Assert.That(created.Status, Is.EqualTo(StoreStatus.Ok));
        var written = await vfs.WriteAsync(owner ?? Root, created.Value.File.Ref, 0, data, stable: true);
        Assert.That(written.Status, Is.EqualTo(StoreStatus.Ok));
        return written.Value.After!.Value;
    }

    private static async Task<byte[]> ReadAllAsync(VirtualFileSystem vfs, InodeAttributes file)
    {
        var buffer = new CopyingReadBuffer();
        var read = await vfs.ReadAsync(Root, file.Ref, 0, 1 << 20, buffer);
        Assert.That(read.Status, Is.EqualTo(StoreStatus.Ok));
        return buffer.Bytes[..read.Value.Count];
    }
}
