using System.Net;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using AuthFlavor = DittoFs.Storage.AuthFlavor;

namespace DittoFs.Nfs.Tests;

/// <summary>Export options, enforced on every NFS call and not only at MOUNT.</summary>
public class ExportOptionTests
{
    public enum Change
    {
        Setattr,
        Write,
        Create,
        Mkdir,
        Symlink,
        Mknod,
        Remove,
        Rmdir,
        Rename,
        Link,
    }

    /// <summary>Runs one modifying procedure on the root (or a file in it) and returns its status and the WCC data it carried.</summary>
    private static async Task<(Nfsstat3 Status, DittoFs.Protocol.WccData Wcc)> Modify(TestServer server, Change change, NfsFh3 file, RpcCallContext caller)
    {
        var root = server.Root;
        switch (change)
        {
            case Change.Setattr:
                var setattr = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Mode(0x1FF) }, caller);
                return (setattr.Status, setattr.Resfail.ObjWcc);
            case Change.Write:
                var write = await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 1, Data = new byte[1] }, caller);
                return (write.Status, write.Resfail.FileWcc);
            case Change.Create:
                var create = await server.Nfs.CreateAsync(new Create3Args { Where = TestServer.Where(root, "new") }, caller);
                return (create.Status, create.Resfail.DirWcc);
            case Change.Mkdir:
                var mkdir = await server.Nfs.MkdirAsync(new Mkdir3Args { Where = TestServer.Where(root, "new") }, caller);
                return (mkdir.Status, mkdir.Resfail.DirWcc);
            case Change.Symlink:
                var symlink = await server.Nfs.SymlinkAsync(new Symlink3Args { Where = TestServer.Where(root, "new"), Symlink = new Symlinkdata3 { SymlinkData = "t"u8.ToArray() } }, caller);
                return (symlink.Status, symlink.Resfail.DirWcc);
            case Change.Mknod:
                var mknod = await server.Nfs.MknodAsync(new Mknod3Args { Where = TestServer.Where(root, "new"), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } }, caller);
                return (mknod.Status, mknod.Resfail.DirWcc);
            case Change.Remove:
                var remove = await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(root, "file") }, caller);
                return (remove.Status, remove.Resfail.DirWcc);
            case Change.Rmdir:
                var rmdir = await server.Nfs.RmdirAsync(new Rmdir3Args { Object = TestServer.Where(root, "dir") }, caller);
                return (rmdir.Status, rmdir.Resfail.DirWcc);
            case Change.Rename:
                var rename = await server.Nfs.RenameAsync(new Rename3Args { From = TestServer.Where(root, "file"), To = TestServer.Where(root, "renamed") }, caller);
                return (rename.Status, rename.Resfail.FromdirWcc);
            default:
                var link = await server.Nfs.LinkAsync(new Link3Args { File = file, Link = TestServer.Where(root, "linked") }, caller);
                return (link.Status, link.Resfail.LinkdirWcc);
        }
    }

    [TestCaseSource(typeof(ExportOptionTests), nameof(AllChanges))]
    public async Task A_read_only_export_answers_ROFS_to_every_change_with_WCC_data(Change change)
    {
        var server = await TestServer.StartAsync(new ExportOptions { ReadOnly = true, RootSquash = false });
        // Objects to aim at, made behind the read-only export's back.
        var created = await server.Metadata.CreateAsync(AuthContext.Root(), server.Share.Root, "file"u8.ToArray(), CreateMode.Guarded, default, 0);
        await server.Metadata.MkdirAsync(AuthContext.Root(), server.Share.Root, "dir"u8.ToArray(), default);
        var file = new NfsFh3 { Data = new FileHandle(server.Share.Id, created.Value.File.Ref).ToOpaque() };

        var (status, wcc) = await Modify(server, change, file, Callers.Root());

        Assert.That(status, Is.EqualTo(Nfsstat3.Nfs3errRofs));
        Assert.That(wcc.After.AttributesFollow, Is.True);
        Assert.That(wcc.Before.AttributesFollow, Is.True);
    }

    public static IEnumerable<Change> AllChanges => Enum.GetValues<Change>();

    [Test]
    public async Task A_read_only_export_still_reads_and_commits()
    {
        var server = await TestServer.StartAsync(new ExportOptions { ReadOnly = true, RootSquash = false });
        var created = await server.Metadata.CreateAsync(AuthContext.Root(), server.Share.Root, "file"u8.ToArray(), CreateMode.Guarded, default, 0);
        var file = new NfsFh3 { Data = new FileHandle(server.Share.Id, created.Value.File.Ref).ToOpaque() };

        var read = await server.Nfs.ReadAsync(new Read3Args { File = file, Count = 10 }, Callers.Root());
        var commit = await server.Nfs.CommitAsync(new Commit3Args { File = file }, Callers.Root());
        var lookup = await server.LookupAsync(server.Root, "file");

        Assert.That(read.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(commit.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(lookup.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task Root_squash_makes_roots_files_belong_to_nobody()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = true });

        var file = await server.CreateFileAsync(server.Root, "file", Callers.Root());

        var attributes = await server.GetattrAsync(file);
        Assert.That((attributes.Uid.Value, attributes.Gid.Value), Is.EqualTo((65534u, 65534u)));
    }

    [Test]
    public async Task Root_squash_leaves_other_users_alone()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = true });

        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100));

        var attributes = await server.GetattrAsync(file);
        Assert.That((attributes.Uid.Value, attributes.Gid.Value), Is.EqualTo((1000u, 100u)));
    }

    [Test]
    public async Task Root_squash_denies_root_what_only_root_may_do()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = true });
        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100));

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Owner(0, 0) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errPerm));
    }

    [Test]
    public async Task All_squash_makes_everyone_the_anonymous_identity()
    {
        var server = await TestServer.StartAsync(new ExportOptions { AllSquash = true, AnonymousUid = 4000, AnonymousGid = 4001 });

        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100, groups: [100, 200]));

        var attributes = await server.GetattrAsync(file);
        Assert.That((attributes.Uid.Value, attributes.Gid.Value), Is.EqualTo((4000u, 4001u)));
    }

    [Test]
    public async Task AUTH_NONE_callers_are_anonymous()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = false });

        var file = await server.CreateFileAsync(server.Root, "file", Callers.AuthNone());

        var attributes = await server.GetattrAsync(file);
        Assert.That((attributes.Uid.Value, attributes.Gid.Value), Is.EqualTo((65534u, 65534u)));
    }

    [Test]
    public async Task A_client_outside_the_allowed_networks_gets_ACCES_on_every_call()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = false, AllowedClients = [IPNetwork.Parse("127.0.0.0/8")] });
        var file = await server.CreateFileAsync(server.Root, "file");
        var outsider = Callers.User(0, 0, Callers.Endpoint("192.0.2.7"));

        var getattr = await server.Nfs.GetattrAsync(new Getattr3Args { Object = file }, outsider);
        var read = await server.Nfs.ReadAsync(new Read3Args { File = file, Count = 1 }, outsider);
        var write = await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 1, Data = new byte[1] }, outsider);
        var lookup = await server.LookupAsync(server.Root, "file", outsider);
        var readdir = await server.Nfs.ReaddirAsync(new Readdir3Args { Dir = server.Root, Count = 4096 }, outsider);

        Assert.That(new[] { getattr.Status, read.Status, write.Status, lookup.Status, readdir.Status }, Is.All.EqualTo(Nfsstat3.Nfs3errAcces));
        Assert.That(write.Resfail.FileWcc.After.AttributesFollow, Is.False, "nothing is told to a refused client");
        Assert.That((await server.Nfs.GetattrAsync(new Getattr3Args { Object = file }, Callers.Root())).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task A_secure_port_export_refuses_calls_from_unprivileged_ports()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = false, RequireSecurePort = true });

        var privileged = await server.Nfs.GetattrAsync(new Getattr3Args { Object = server.Root }, Callers.User(1000, 100, Callers.Endpoint("127.0.0.1", 1023)));
        var unprivileged = await server.Nfs.GetattrAsync(new Getattr3Args { Object = server.Root }, Callers.User(1000, 100, Callers.Endpoint("127.0.0.1", 40000)));

        Assert.That(privileged.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(unprivileged.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }

    [Test]
    public async Task A_credential_flavour_the_export_does_not_accept_is_ACCES()
    {
        var server = await TestServer.StartAsync(new ExportOptions { RootSquash = false, AllowedAuthFlavors = [AuthFlavor.Sys] });

        var none = await server.Nfs.GetattrAsync(new Getattr3Args { Object = server.Root }, Callers.AuthNone());
        var sys = await server.Nfs.GetattrAsync(new Getattr3Args { Object = server.Root }, Callers.User(1000, 100));

        Assert.That(none.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
        Assert.That(sys.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }

    [Test]
    public async Task Supplementary_groups_reach_the_permission_check()
    {
        var server = await TestServer.StartAsync();
        var dir = await server.MkdirAsync(server.Root, "group-dir", mode: 0x1F8); // 0770, root:0
        await server.Nfs.SetattrAsync(new Setattr3Args { Object = dir, NewAttributes = Sattr.Owner(0, 500) }, Callers.Root());

        var member = await server.Nfs.CreateAsync(new Create3Args { Where = TestServer.Where(dir, "a") }, Callers.User(1000, 100, groups: [500]));
        var stranger = await server.Nfs.CreateAsync(new Create3Args { Where = TestServer.Where(dir, "b") }, Callers.User(1000, 100, groups: [600]));

        Assert.That(member.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(stranger.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }
}
