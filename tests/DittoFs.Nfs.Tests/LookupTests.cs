using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests;

/// <summary>LOOKUP (RFC 1813 §3.3.3) and READLINK (§3.3.5).</summary>
public class LookupTests
{
    [Test]
    public async Task LOOKUP_finds_a_name_with_its_handle_and_both_attributes()
    {
        var server = await TestServer.StartAsync();
        var created = await server.CreateFileAsync(server.Root, "file");

        var result = await server.LookupAsync(server.Root, "file");

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Object.Data.ToArray(), Is.EqualTo(created.Data.ToArray()));
        Assert.That(result.Resok.ObjAttributes.AttributesFollow, Is.True);
        Assert.That(result.Resok.ObjAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3reg));
        Assert.That(result.Resok.DirAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3dir));
    }

    [Test]
    public async Task LOOKUP_of_a_missing_name_is_NOENT_with_the_directorys_attributes()
    {
        var server = await TestServer.StartAsync();

        var result = await server.LookupAsync(server.Root, "missing");

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
        Assert.That(result.Resfail.DirAttributes.AttributesFollow, Is.True);
        Assert.That(result.Resfail.DirAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3dir));
    }

    [Test]
    public async Task LOOKUP_of_dot_is_the_directory_and_dotdot_its_parent()
    {
        var server = await TestServer.StartAsync();
        var sub = await server.MkdirAsync(server.Root, "sub");
        var rootId = (await server.GetattrAsync(server.Root)).Fileid;
        var subId = (await server.GetattrAsync(sub)).Fileid;

        var dot = await server.LookupAsync(sub, ".");
        var dotDot = await server.LookupAsync(sub, "..");

        Assert.That(dot.Resok.ObjAttributes.Attributes.Fileid, Is.EqualTo(subId));
        Assert.That(dotDot.Resok.ObjAttributes.Attributes.Fileid, Is.EqualTo(rootId));
        Assert.That(dotDot.Resok.Object.Data.ToArray(), Is.EqualTo(server.Root.Data.ToArray()));
    }

    [Test]
    public async Task LOOKUP_of_dotdot_at_the_share_root_stays_at_the_root()
    {
        var server = await TestServer.StartAsync();

        var result = await server.LookupAsync(server.Root, "..");

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Object.Data.ToArray(), Is.EqualTo(server.Root.Data.ToArray()));
    }

    [Test]
    public async Task LOOKUP_of_a_name_over_255_bytes_is_NAMETOOLONG()
    {
        var server = await TestServer.StartAsync();

        var result = await server.LookupAsync(server.Root, new string('n', 256));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNametoolong));
    }

    [Test]
    public async Task LOOKUP_in_a_file_is_NOTDIR()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.LookupAsync(file, "x");

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotdir));
    }

    [Test]
    public async Task LOOKUP_without_search_permission_is_ACCES()
    {
        var server = await TestServer.StartAsync();
        var locked = await server.MkdirAsync(server.Root, "locked", mode: 0x1C0); // 0700, root's
        await server.CreateFileAsync(locked, "inside");

        var result = await server.LookupAsync(locked, "inside", Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }

    [Test]
    public async Task READLINK_returns_the_target_of_a_symlink()
    {
        var server = await TestServer.StartAsync();
        var created = await server.Nfs.SymlinkAsync(new Symlink3Args
        {
            Where = TestServer.Where(server.Root, "link"),
            Symlink = new Symlinkdata3 { SymlinkData = "../some/where"u8.ToArray() },
        }, Callers.Root());
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var result = await server.Nfs.ReadlinkAsync(new Readlink3Args { Symlink = TestServer.Copy(created.Resok.Obj.Handle) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Data.ToArray(), Is.EqualTo("../some/where"u8.ToArray()));
        Assert.That(result.Resok.SymlinkAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3lnk));
    }

    [Test]
    public async Task READLINK_of_a_regular_file_is_INVAL()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.ReadlinkAsync(new Readlink3Args { Symlink = file }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errInval));
        Assert.That(result.Resfail.SymlinkAttributes.AttributesFollow, Is.True);
    }
}
