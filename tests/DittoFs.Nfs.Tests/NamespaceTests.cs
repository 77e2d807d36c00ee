using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Storage.Memory;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

/// <summary>REMOVE (RFC 1813 §3.3.12), RMDIR (§3.3.13), RENAME (§3.3.14), LINK (§3.3.15).</summary>
public class NamespaceTests
{
    private static Rename3Args Rename(NfsFh3 fromDirectory, string fromName, NfsFh3 toDirectory, string toName) => new()
    {
        From = TestServer.Where(fromDirectory, fromName),
        To = TestServer.Where(toDirectory, toName),
    };

    [Test]
    public async Task REMOVE_of_the_last_name_deletes_the_content()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[10]);

        var result = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.DirWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.Resok.DirWcc.After.AttributesFollow, Is.True);
        Assert.That(server.Content.Deleted, Has.Count.EqualTo(1));
        Assert.That((await server.LookupAsync(server.Root, "file")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
    }

    [Test]
    public async Task REMOVE_of_one_of_two_links_keeps_the_content()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.Nfs.LinkAsync(new Link3Args { File = file, Link = TestServer.Where(server.Root, "other") }, Callers.Root());

        await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        Assert.That(server.Content.Deleted, Is.Empty);
        Assert.That((await server.GetattrAsync(file)).Nlink, Is.EqualTo(1));
    }

    [Test]
    public async Task REMOVE_of_a_missing_name_is_NOENT_with_WCC_data()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "missing") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        Assert.That(result.Resfail.DirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task REMOVE_of_a_directory_is_ISDIR()
    {
        var server = await TestServer.StartAsync();
        await server.MkdirAsync(server.Root, "dir");

        var result = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "dir") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errIsdir));
    }

    [Test]
    public async Task RMDIR_removes_an_empty_directory_and_refuses_a_full_one()
    {
        var server = await TestServer.StartAsync();
        await server.MkdirAsync(server.Root, "empty");
        var full = await server.MkdirAsync(server.Root, "full");
        await server.CreateFileAsync(full, "file");

        var removed = await server.Nfs.RmdirAsync(new Rmdir3Args { Object = TestServer.Where(server.Root, "empty") }, Callers.Root());
        var refused = await server.Nfs.RmdirAsync(new Rmdir3Args { Object = TestServer.Where(server.Root, "full") }, Callers.Root());

        Assert.That(removed.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(removed.Resok.DirWcc.After.AttributesFollow, Is.True);
        Assert.That(refused.Status, Is.EqualTo(Nfsstat3.Nfs3errNotempty));
        Assert.That(refused.Resfail.DirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task RMDIR_of_a_file_is_NOTDIR()
    {
        var server = await TestServer.StartAsync();
        await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.RmdirAsync(new Rmdir3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotdir));
    }

    [Test]
    public async Task RENAME_within_a_directory_moves_the_name_and_keeps_the_handle()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "old");

        var result = await server.Nfs.RenameAsync(Rename(server.Root, "old", server.Root, "new"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.FromdirWcc.After.AttributesFollow, Is.True);
        Assert.That(result.Resok.TodirWcc.After.AttributesFollow, Is.True);
        Assert.That((await server.LookupAsync(server.Root, "old")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        var found = await server.LookupAsync(server.Root, "new");
        Assert.That(found.Resok.Object.Data.ToArray(), Is.EqualTo(file.Data.ToArray()));
    }

    [Test]
    public async Task RENAME_across_directories_gives_both_directories_WCC_data()
    {
        var server = await TestServer.StartAsync();
        var from = await server.MkdirAsync(server.Root, "from");
        var to = await server.MkdirAsync(server.Root, "to");
        await server.CreateFileAsync(from, "file");

        var result = await server.Nfs.RenameAsync(Rename(from, "file", to, "file"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.FromdirWcc.After.Attributes.Fileid, Is.EqualTo((await server.GetattrAsync(from)).Fileid));
        Assert.That(result.Resok.TodirWcc.After.Attributes.Fileid, Is.EqualTo((await server.GetattrAsync(to)).Fileid));
        Assert.That((await server.LookupAsync(to, "file")).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task RENAME_over_an_existing_file_replaces_it_and_deletes_its_content()
    {
        var server = await TestServer.StartAsync();
        var source = await server.CreateFileAsync(server.Root, "source");
        await server.WriteAsync(source, 0, "new"u8.ToArray());
        var target = await server.CreateFileAsync(server.Root, "target");
        await server.WriteAsync(target, 0, "old"u8.ToArray());

        var result = await server.Nfs.RenameAsync(Rename(server.Root, "source", server.Root, "target"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(server.Content.Deleted, Has.Count.EqualTo(1));
        Assert.That((await server.Nfs.GetattrAsync(new Getattr3Args { Object = target }, Callers.Root())).Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
        var found = await server.LookupAsync(server.Root, "target");
        Assert.That(await server.ReadAllAsync(TestServer.Copy(found.Resok.Object)), Is.EqualTo("new"u8.ToArray()));
    }

    [Test]
    public async Task RENAME_of_a_file_onto_another_name_of_itself_does_nothing()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "a");
        await server.Nfs.LinkAsync(new Link3Args { File = file, Link = TestServer.Where(server.Root, "b") }, Callers.Root());

        var result = await server.Nfs.RenameAsync(Rename(server.Root, "a", server.Root, "b"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await server.LookupAsync(server.Root, "a")).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((await server.LookupAsync(server.Root, "b")).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task RENAME_of_a_directory_over_a_non_empty_directory_is_NOTEMPTY()
    {
        var server = await TestServer.StartAsync();
        await server.MkdirAsync(server.Root, "a");
        var b = await server.MkdirAsync(server.Root, "b");
        await server.CreateFileAsync(b, "file");

        var result = await server.Nfs.RenameAsync(Rename(server.Root, "a", server.Root, "b"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotempty));
        Assert.That(result.Resfail.FromdirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task RENAME_of_a_directory_into_itself_is_INVAL()
    {
        var server = await TestServer.StartAsync();
        var a = await server.MkdirAsync(server.Root, "a");

        var result = await server.Nfs.RenameAsync(Rename(server.Root, "a", a, "inside"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errInval));
    }

    [Test]
    public async Task RENAME_between_two_shares_is_XDEV()
    {
        var metadata = new MemoryMetadataStore();
        var content = new MemoryContentStore();
        var one = new Share("/one", await VirtualFileSystem.OpenAsync("/one", metadata, content, rootMode: 0x1FF), TestServer.OpenExport);
        var two = new Share("/two", await VirtualFileSystem.OpenAsync("/two", metadata, content, rootMode: 0x1FF), TestServer.OpenExport);
        var nfs = new NfsService(new ShareTable(one, two), new NfsServerOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<NfsService>.Instance);
        var oneRoot = new NfsFh3 { Data = one.RootHandle };
        var twoRoot = new NfsFh3 { Data = two.RootHandle };
        await nfs.CreateAsync(new Create3Args { Where = TestServer.Where(oneRoot, "file") }, Callers.Root());

        var result = await nfs.RenameAsync(Rename(oneRoot, "file", twoRoot, "file"), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errXdev));
        Assert.That(result.Resfail.FromdirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task LINK_adds_a_name_and_counts_it_in_nlink()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.LinkAsync(new Link3Args { File = file, Link = TestServer.Where(server.Root, "link") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.FileAttributes.Attributes.Nlink, Is.EqualTo(2));
        Assert.That(result.Resok.LinkdirWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.Resok.LinkdirWcc.After.AttributesFollow, Is.True);
        var linked = await server.LookupAsync(server.Root, "link");
        Assert.That(linked.Resok.Object.Data.ToArray(), Is.EqualTo(file.Data.ToArray()));
    }

    [Test]
    public async Task LINK_to_an_existing_name_is_EXIST_with_the_files_attributes()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.CreateFileAsync(server.Root, "taken");

        var result = await server.Nfs.LinkAsync(new Link3Args { File = file, Link = TestServer.Where(server.Root, "taken") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errExist));
        Assert.That(result.Resfail.FileAttributes.Attributes.Nlink, Is.EqualTo(1));
        Assert.That(result.Resfail.LinkdirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task LINK_of_a_directory_is_refused()
    {
        var server = await TestServer.StartAsync();
        var dir = await server.MkdirAsync(server.Root, "dir");

        var result = await server.Nfs.LinkAsync(new Link3Args { File = dir, Link = TestServer.Where(server.Root, "link") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errPerm));
    }
}
