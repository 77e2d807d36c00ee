using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests;

/// <summary>GETATTR, SETATTR (RFC 1813 §3.3.1, §3.3.2) and the fattr3 every reply carries.</summary>
public class AttributeTests
{
    [Test]
    public async Task GETATTR_maps_the_stores_attributes_to_fattr3()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100), Sattr.Mode(0x1A4));
        await server.WriteAsync(file, 0, new byte[10]);

        var attributes = await server.GetattrAsync(file);

        Assert.That(attributes.Type, Is.EqualTo(Ftype3.Nf3reg));
        Assert.That(attributes.Mode.Value, Is.EqualTo(0x1A4));
        Assert.That(attributes.Nlink, Is.EqualTo(1));
        Assert.That(attributes.Uid.Value, Is.EqualTo(1000));
        Assert.That(attributes.Gid.Value, Is.EqualTo(100));
        Assert.That(attributes.Size.Value, Is.EqualTo(10));
        Assert.That(attributes.Fsid, Is.EqualTo(server.Share.Id));
        Assert.That(attributes.Fileid.Value, Is.Not.Zero);
        Assert.That(attributes.Mtime.Seconds, Is.GreaterThan(1_600_000_000));
    }

    [Test]
    public async Task The_share_root_is_a_directory_with_a_non_zero_file_id()
    {
        var server = await TestServer.StartAsync();

        var attributes = await server.GetattrAsync(server.Root);

        Assert.That(attributes.Type, Is.EqualTo(Ftype3.Nf3dir));
        Assert.That(attributes.Fileid.Value, Is.Not.Zero);
        Assert.That(attributes.Mode.Value, Is.EqualTo(0x1FF));
    }

    [Test]
    public async Task SETATTR_size_truncates_the_content_and_returns_WCC_data()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, "hello world"u8.ToArray());

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Size(5) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.Resok.ObjWcc.Before.Attributes.Size.Value, Is.EqualTo(11));
        Assert.That(result.Resok.ObjWcc.After.AttributesFollow, Is.True);
        Assert.That(result.Resok.ObjWcc.After.Attributes.Size.Value, Is.EqualTo(5));
        Assert.That(await server.ReadAllAsync(file), Is.EqualTo("hello"u8.ToArray()));
    }

    [Test]
    public async Task SETATTR_growing_the_size_reads_back_as_zeros()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, "abc"u8.ToArray());

        await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Size(6) }, Callers.Root());

        Assert.That(await server.ReadAllAsync(file), Is.EqualTo(new byte[] { (byte)'a', (byte)'b', (byte)'c', 0, 0, 0 }));
    }

    [Test]
    public async Task SETATTR_mode_ignores_file_type_bits_a_client_sends()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        // 0100600: S_IFREG | rw------- as macOS Finder sends it.
        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Mode(0x8180) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjWcc.After.Attributes.Mode.Value, Is.EqualTo(0x180));
    }

    [Test]
    public async Task SETATTR_changes_owner_and_group_for_root()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Owner(1000, 100) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var after = await server.GetattrAsync(file);
        Assert.That((after.Uid.Value, after.Gid.Value), Is.EqualTo((1000u, 100u)));
    }

    [Test]
    public async Task SETATTR_chown_by_a_user_is_PERM_with_WCC_data()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", Callers.User(1000, 100));

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Owner(2000, 100) }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errPerm));
        Assert.That(result.Resfail.ObjWcc.After.AttributesFollow, Is.True);
        Assert.That(result.Resfail.ObjWcc.After.Attributes.Uid.Value, Is.EqualTo(1000));
    }

    [Test]
    public async Task SETATTR_sets_times_to_the_clients_time()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        var atime = new Nfstime3 { Seconds = 1_000_000, Nseconds = 5 };
        var mtime = new Nfstime3 { Seconds = 2_000_000, Nseconds = 7 };

        var result = await server.Nfs.SetattrAsync(new Setattr3Args
        {
            Object = file,
            NewAttributes = new Sattr3
            {
                Atime = new SetAtime { SetIt = TimeHow.SetToClientTime, Atime = atime },
                Mtime = new SetMtime { SetIt = TimeHow.SetToClientTime, Mtime = mtime },
            },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var after = await server.GetattrAsync(file);
        Assert.That(after.Atime, Is.EqualTo(atime));
        Assert.That(after.Mtime, Is.EqualTo(mtime));
    }

    [Test]
    public async Task SETATTR_sets_times_to_the_servers_time()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.Nfs.SetattrAsync(new Setattr3Args
        {
            Object = file,
            NewAttributes = new Sattr3 { Mtime = new SetMtime { SetIt = TimeHow.SetToClientTime, Mtime = new Nfstime3 { Seconds = 1 } } },
        }, Callers.Root());

        var result = await server.Nfs.SetattrAsync(new Setattr3Args
        {
            Object = file,
            NewAttributes = new Sattr3 { Mtime = new SetMtime { SetIt = TimeHow.SetToServerTime } },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjWcc.Before.Attributes.Mtime.Seconds, Is.EqualTo(1));
        Assert.That(result.Resok.ObjWcc.After.Attributes.Mtime.Seconds, Is.GreaterThan(1_600_000_000));
    }

    [Test]
    public async Task SETATTR_with_a_guard_other_than_the_ctime_is_NOT_SYNC_and_changes_nothing()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file", attributes: Sattr.Mode(0x1A4));
        var ctime = (await server.GetattrAsync(file)).Ctime;

        var result = await server.Nfs.SetattrAsync(new Setattr3Args
        {
            Object = file,
            NewAttributes = Sattr.Mode(0x180),
            Guard = new Sattrguard3 { Check = true, ObjCtime = new Nfstime3 { Seconds = ctime.Seconds - 1, Nseconds = ctime.Nseconds } },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNotSync));
        Assert.That(result.Resfail.ObjWcc.After.Attributes.Mode.Value, Is.EqualTo(0x1A4));
        Assert.That((await server.GetattrAsync(file)).Mode.Value, Is.EqualTo(0x1A4));
    }

    [Test]
    public async Task SETATTR_with_a_guard_equal_to_the_ctime_applies()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        var ctime = (await server.GetattrAsync(file)).Ctime;

        var result = await server.Nfs.SetattrAsync(new Setattr3Args
        {
            Object = file,
            NewAttributes = Sattr.Mode(0x180),
            Guard = new Sattrguard3 { Check = true, ObjCtime = ctime },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjWcc.After.Attributes.Mode.Value, Is.EqualTo(0x180));
    }

    [Test]
    public async Task An_empty_SETATTR_succeeds()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = file }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }
}
