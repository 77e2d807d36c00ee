using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs.Tests;

public class FileHandleTests
{
    [Test]
    public void A_handle_round_trips_through_its_24_bytes()
    {
        var handle = new FileHandle(0xCAFEBABE, new FileRef(0x0102030405060708, 0x99));
        var bytes = handle.ToOpaque().ToArray();

        Assert.That(bytes, Has.Length.EqualTo(FileHandle.Size));
        Assert.That(bytes[0], Is.EqualTo(FileHandle.FormatVersion));
        Assert.That(FileHandle.TryParse(bytes, out var parsed), Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(parsed, Is.EqualTo(handle));
        Assert.That(parsed.File, Is.EqualTo(new FileRef(0x0102030405060708, 0x99)));
    }

    [TestCase(0)]
    [TestCase(23)]
    [TestCase(25)]
    [TestCase(64)]
    public void A_handle_of_another_length_is_BADHANDLE(int length)
    {
        Assert.That(FileHandle.TryParse(new byte[length], out _), Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public void An_unknown_format_version_is_BADHANDLE()
    {
        var bytes = new FileHandle(1, new FileRef(5, 1)).ToOpaque().ToArray();
        bytes[0] = 2;

        Assert.That(FileHandle.TryParse(bytes, out _), Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public void Non_zero_reserved_bytes_are_BADHANDLE()
    {
        var bytes = new FileHandle(1, new FileRef(5, 1)).ToOpaque().ToArray();
        bytes[2] = 1;

        Assert.That(FileHandle.TryParse(bytes, out _), Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public void File_id_zero_is_never_handed_out_so_it_is_BADHANDLE()
    {
        Assert.That(FileHandle.TryParse(new FileHandle(1, 0, 1).ToOpaque().ToArray(), out _), Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public void A_generation_no_store_can_have_is_STALE()
    {
        Assert.That(FileHandle.TryParse(new FileHandle(1, 5, 1UL << 40).ToOpaque().ToArray(), out _), Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task Garbage_sent_as_a_handle_is_BADHANDLE()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = new byte[] { 1, 2, 3 } } }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public async Task A_handle_of_a_share_that_is_not_exported_is_STALE()
    {
        var server = await TestServer.StartAsync();
        var foreign = new FileHandle(server.Share.Id + 1, server.Share.Root).ToOpaque().ToArray();

        var result = await server.Nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = foreign } }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task A_handle_of_a_removed_file_is_STALE()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "gone");
        var removed = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "gone") }, Callers.Root());
        Assert.That(removed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var result = await server.Nfs.GetattrAsync(new Getattr3Args { Object = file }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task A_handle_with_another_generation_is_STALE()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        FileHandle.TryParse(file.Data.Span, out var parsed);
        var otherGeneration = (parsed with { Generation = parsed.Generation ^ 1UL }).ToOpaque();

        var result = await server.Nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = otherGeneration } }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task Handles_in_replies_carry_the_share_id_and_the_files_id()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        var attributes = await server.GetattrAsync(file);

        Assert.That(FileHandle.TryParse(file.Data.Span, out var parsed), Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(parsed.ShareId, Is.EqualTo(server.Share.Id));
        Assert.That(parsed.FileId, Is.EqualTo(attributes.Fileid.Value));
    }
}
