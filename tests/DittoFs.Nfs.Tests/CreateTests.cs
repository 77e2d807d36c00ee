using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests;

/// <summary>CREATE (RFC 1813 §3.3.8), MKDIR (§3.3.9), SYMLINK (§3.3.10), MKNOD (§3.3.11).</summary>
public class CreateTests
{
    private static readonly byte[] Verifier = [1, 2, 3, 4, 5, 6, 7, 8];
    private static readonly byte[] OtherVerifier = [8, 7, 6, 5, 4, 3, 2, 1];

    private static Create3Args Create(NfsFh3 directory, string name, Createmode3 mode, Sattr3 attributes = default, byte[]? verifier = null) => new()
    {
        Where = TestServer.Where(directory, name),
        How = new Createhow3 { Mode = mode, ObjAttributes = attributes, Verf = verifier },
    };

    [Test]
    public async Task CREATE_returns_the_handle_attributes_and_the_directorys_WCC_data()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Guarded, Sattr.Mode(0x180)), Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Obj.HandleFollows, Is.True);
        Assert.That(result.Resok.Obj.Handle.Data.Length, Is.EqualTo(FileHandle.Size));
        Assert.That(result.Resok.ObjAttributes.Attributes.Mode.Value, Is.EqualTo(0x180));
        Assert.That(result.Resok.ObjAttributes.Attributes.Uid.Value, Is.EqualTo(1000));
        Assert.That(result.Resok.DirWcc.Before.AttributesFollow, Is.True);
        Assert.That(result.Resok.DirWcc.After.AttributesFollow, Is.True);
        Assert.That(result.Resok.DirWcc.After.Attributes.Mtime, Is.Not.EqualTo(result.Resok.DirWcc.Before.Attributes.Mtime));
    }

    [Test]
    public async Task GUARDED_CREATE_of_an_existing_name_is_EXIST_with_WCC_data()
    {
        var server = await TestServer.StartAsync();
        await server.CreateFileAsync(server.Root, "file");

        var result = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Guarded), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errExist));
        Assert.That(result.Resfail.DirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task UNCHECKED_CREATE_of_an_existing_file_with_size_zero_truncates_it()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, "content"u8.ToArray());

        var result = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Unchecked, Sattr.Size(0)), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.Obj.Handle.Data.ToArray(), Is.EqualTo(file.Data.ToArray()));
        Assert.That(result.Resok.ObjAttributes.Attributes.Size.Value, Is.Zero);
        Assert.That(await server.ReadAllAsync(file), Is.Empty);
    }

    [Test]
    public async Task EXCLUSIVE_CREATE_retried_with_the_same_verifier_finds_its_file()
    {
        var server = await TestServer.StartAsync();

        var first = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Exclusive, verifier: Verifier), Callers.Root());
        var firstHandle = first.Resok.Obj.Handle.Data.ToArray();
        var retry = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Exclusive, verifier: Verifier), Callers.Root());

        Assert.That(first.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(retry.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(retry.Resok.Obj.Handle.Data.ToArray(), Is.EqualTo(firstHandle));
    }

    [Test]
    public async Task EXCLUSIVE_CREATE_with_another_verifier_is_EXIST()
    {
        var server = await TestServer.StartAsync();
        await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Exclusive, verifier: Verifier), Callers.Root());

        var other = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Exclusive, verifier: OtherVerifier), Callers.Root());

        Assert.That(other.Status, Is.EqualTo(Nfsstat3.Nfs3errExist));
    }

    [Test]
    public async Task EXCLUSIVE_CREATE_is_followed_by_the_clients_SETATTR()
    {
        var server = await TestServer.StartAsync();
        var created = await server.Nfs.CreateAsync(Create(server.Root, "file", Createmode3.Exclusive, verifier: Verifier), Callers.User(1000, 100));
        var handle = TestServer.Copy(created.Resok.Obj.Handle);

        var result = await server.Nfs.SetattrAsync(new Setattr3Args { Object = handle, NewAttributes = Sattr.Mode(0x1ED) }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjWcc.After.Attributes.Mode.Value, Is.EqualTo(0x1ED));
    }

    [Test]
    public async Task CREATE_of_a_name_over_255_bytes_is_NAMETOOLONG()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.CreateAsync(Create(server.Root, new string('x', 256), Createmode3.Guarded), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errNametoolong));
    }

    [TestCase("")]
    [TestCase("a/b")]
    [TestCase("nul\0")]
    public async Task CREATE_of_an_impossible_name_is_INVAL(string name)
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.CreateAsync(Create(server.Root, name, Createmode3.Guarded), Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errInval));
    }

    [Test]
    public async Task MKDIR_creates_a_directory_and_counts_it_in_the_parents_links()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.MkdirAsync(new Mkdir3Args { Where = TestServer.Where(server.Root, "dir"), Attributes = Sattr.Mode(0x1ED) }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3dir));
        Assert.That(result.Resok.ObjAttributes.Attributes.Nlink, Is.EqualTo(2));
        Assert.That(result.Resok.DirWcc.After.Attributes.Nlink, Is.EqualTo(3));
    }

    [Test]
    public async Task MKDIR_of_an_existing_name_is_EXIST()
    {
        var server = await TestServer.StartAsync();
        await server.MkdirAsync(server.Root, "dir");

        var result = await server.Nfs.MkdirAsync(new Mkdir3Args { Where = TestServer.Where(server.Root, "dir") }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errExist));
        Assert.That(result.Resfail.DirWcc.After.AttributesFollow, Is.True);
    }

    [Test]
    public async Task SYMLINK_creates_a_link_whose_size_is_its_targets_length()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.SymlinkAsync(new Symlink3Args
        {
            Where = TestServer.Where(server.Root, "link"),
            Symlink = new Symlinkdata3 { SymlinkData = "target"u8.ToArray() },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes.Attributes.Type, Is.EqualTo(Ftype3.Nf3lnk));
        Assert.That(result.Resok.ObjAttributes.Attributes.Size.Value, Is.EqualTo(6));
    }

    [TestCase(Ftype3.Nf3fifo)]
    [TestCase(Ftype3.Nf3sock)]
    public async Task MKNOD_creates_FIFOs_and_sockets_for_anyone(Ftype3 type)
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.MknodAsync(new Mknod3Args
        {
            Where = TestServer.Where(server.Root, "node"),
            What = new Mknoddata3 { Type = type, PipeAttributes = Sattr.Mode(0x1A4) },
        }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes.Attributes.Type, Is.EqualTo(type));
        Assert.That(result.Resok.ObjAttributes.Attributes.Mode.Value, Is.EqualTo(0x1A4));
    }

    [TestCase(Ftype3.Nf3chr)]
    [TestCase(Ftype3.Nf3blk)]
    public async Task MKNOD_creates_devices_for_root_with_their_numbers(Ftype3 type)
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.MknodAsync(new Mknod3Args
        {
            Where = TestServer.Where(server.Root, "device"),
            What = new Mknoddata3 { Type = type, Device = new Devicedata3 { Spec = new Specdata3 { Specdata1 = 8, Specdata2 = 1 } } },
        }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(result.Resok.ObjAttributes.Attributes.Type, Is.EqualTo(type));
        Assert.That(result.Resok.ObjAttributes.Attributes.Rdev, Is.EqualTo(new Specdata3 { Specdata1 = 8, Specdata2 = 1 }));
    }

    [Test]
    public async Task MKNOD_of_a_device_by_a_user_is_PERM()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.MknodAsync(new Mknod3Args
        {
            Where = TestServer.Where(server.Root, "device"),
            What = new Mknoddata3 { Type = Ftype3.Nf3chr },
        }, Callers.User(1000, 100));

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errPerm));
    }

    [TestCase(Ftype3.Nf3reg)]
    [TestCase(Ftype3.Nf3dir)]
    [TestCase(Ftype3.Nf3lnk)]
    public async Task MKNOD_of_a_type_with_its_own_procedure_is_BADTYPE(Ftype3 type)
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.MknodAsync(new Mknod3Args { Where = TestServer.Where(server.Root, "node"), What = new Mknoddata3 { Type = type } }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errBadtype));
    }
}
