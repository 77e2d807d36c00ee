using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>CREATE, REMOVE, RENAME, LINK (RFC 7530 §16.4, §16.26, §16.27, §16.9; RFC 8881 §18.4, §18.25, §18.26, §18.9), with v3 on the same share.</summary>
public sealed class Nfs4NamespaceTests : Nfs4Fixture
{
    private static NfsArgop4 Create(NfsFtype4 type, string name, Fattr4 attributes = default, string? link = null, uint major = 0, uint minor = 0) =>
        NfsArgop4.FromOpcreate(new Create4Args
        {
            Objtype = new Createtype4 { Type = type, Linkdata = link is null ? default : Encoding.UTF8.GetBytes(link), Devdata = new Specdata4 { Specdata1 = major, Specdata2 = minor } },
            Objname = Encoding.UTF8.GetBytes(name),
            Createattrs = attributes.Attrmask.Count == 0 && attributes.AttrVals.Value.IsEmpty ? new Fattr4 { Attrmask = Array.Empty<uint>(), AttrVals = Array.Empty<byte>() } : attributes,
        });

    private static NfsArgop4 Remove(string name) => NfsArgop4.FromOpremove(new Remove4Args { Target = Encoding.UTF8.GetBytes(name) });
    private static NfsArgop4 Rename(string from, string to) => NfsArgop4.FromOprename(new Rename4Args { Oldname = Encoding.UTF8.GetBytes(from), Newname = Encoding.UTF8.GetBytes(to) });
    private static NfsArgop4 Link(string name) => NfsArgop4.FromOplink(new Link4Args { Newname = Encoding.UTF8.GetBytes(name) });

    [Test]
    public async Task CREATE_of_a_directory_makes_it_the_current_filehandle_and_v3_sees_it_with_the_same_handle()
    {
        // RFC 7530 §16.4.4: the current filehandle becomes the new object; cinfo is the directory's change attribute.
        var before = (ulong)Attributes((await OkAsync(Ops(Export, GetAttr(Change))))[2])[Change];
        var results = await OkAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "d", new Fattr4Writer().UInt32(Mode, 0x1E8)), GetFh, GetAttr(Type, Mode)));
        var create = results[2].Opcreate.Resok4;
        var v3 = await Server.LookupAsync(Server.Root, "d");
        Assert.Multiple(() =>
        {
            Assert.That((ulong)create.Cinfo.Before, Is.EqualTo(before));
            Assert.That((ulong)create.Cinfo.After, Is.Not.EqualTo(before));
            Assert.That(create.Cinfo.Atomic, Is.True, "the store reads both inside the one change");
            Assert.That(create.Attrset.ToArray(), Is.EqualTo(Fattr4Reader.Mask(Mode)));
            Assert.That(Attributes(results[4])[Type], Is.EqualTo(2u), "NF4DIR");
            Assert.That(Attributes(results[4])[Mode], Is.EqualTo(0x1E8u));
            Assert.That(v3.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            Assert.That(v3.Resok.Object.Data.ToArray(), Is.EqualTo(Handle(results[3]).Data.ToArray()));
        });
    }

    [Test]
    public async Task CREATE_of_a_symbolic_link_keeps_its_linkdata_for_v3_READLINK()
    {
        var results = await OkAsync(Ops(Export, Create(NfsFtype4.Nf4lnk, "l", link: "../target"), GetFh));
        var readlink = await Server.Nfs.ReadlinkAsync(new Readlink3Args { Symlink = Handle(results[3]) }, Callers.Root());
        Assert.That(Encoding.UTF8.GetString(readlink.Resok.Data.Value.Span), Is.EqualTo("../target"));
    }

    [Test]
    public async Task CREATE_of_devices_sockets_and_FIFOs_gives_them_their_type_and_device_numbers()
    {
        var results = await OkAsync(Ops(Export, Create(NfsFtype4.Nf4chr, "c", major: 1, minor: 3), GetAttr(Type, Rawdev), PutRoot, Lookup("export"),
            Create(NfsFtype4.Nf4blk, "b", major: 8, minor: 1), GetAttr(Type, Rawdev), PutRoot, Lookup("export"), Create(NfsFtype4.Nf4sock, "s"), GetAttr(Type),
            PutRoot, Lookup("export"), Create(NfsFtype4.Nf4fifo, "p"), GetAttr(Type)));
        Assert.Multiple(async () =>
        {
            Assert.That(Attributes(results[3])[Type], Is.EqualTo(4u));
            Assert.That(Attributes(results[3])[Rawdev], Is.EqualTo((1u, 3u)));
            Assert.That(Attributes(results[7])[Type], Is.EqualTo(3u));
            Assert.That(Attributes(results[7])[Rawdev], Is.EqualTo((8u, 1u)));
            Assert.That(Attributes(results[11])[Type], Is.EqualTo(6u));
            Assert.That(Attributes(results[15])[Type], Is.EqualTo(7u));
            var v3 = await Server.GetattrAsync((await Server.LookupAsync(Server.Root, "b")).Resok.Object);
            Assert.That(v3.Type, Is.EqualTo(Ftype3.Nf3blk));
            Assert.That((v3.Rdev.Specdata1, v3.Rdev.Specdata2), Is.EqualTo((8u, 1u)));
        });
    }

    [Test]
    public async Task CREATE_refuses_regular_files_names_that_are_not_components_and_names_that_exist()
    {
        await Server.CreateFileAsync(Server.Root, "taken");
        Assert.Multiple(async () =>
        {
            // RFC 7530 §16.4.4: NF4REG is OPEN's (NFS4ERR_BADTYPE); §16.4.5: an empty name is NFS4ERR_INVAL.
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4reg, "r")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadtype));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4attrdir, "r")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadtype));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "")))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "..")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadname));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, new string('n', 256))))).Status, Is.EqualTo(Nfsstat4.Nfs4errNametoolong));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "taken")))).Status, Is.EqualTo(Nfsstat4.Nfs4errExist));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "x", new Fattr4Writer().String(Owner, "bob"))))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadowner));
            Assert.That((await CompoundAsync(Ops(Export, Create(NfsFtype4.Nf4dir, "x", new Fattr4Writer().UInt32(Mode, 1).Build(4))))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
            Assert.That((await CompoundAsync(Ops(Export, Lookup("taken"), Create(NfsFtype4.Nf4dir, "x")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNotdir));
            Assert.That((await CompoundAsync(Create(NfsFtype4.Nf4dir, "x"))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle));
        });
        Assert.That((await Server.LookupAsync(Server.Root, "x")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent), "nothing was made by the refused ones");
    }

    [Test]
    public async Task Changes_in_the_pseudo_file_system_and_on_a_read_only_export_are_ROFS()
    {
        // RFC 7530 §7: the pseudo file system is read-only.
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(PutRoot, Create(NfsFtype4.Nf4dir, "d"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await CompoundAsync(PutRoot, Remove("export"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await CompoundAsync(PutRoot, SaveFh, Rename("export", "other"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await CompoundAsync(PutRoot, SaveFh, Link("other"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
        });
        var readOnly = await TestServer.StartAsync(export: new ExportOptions { RootSquash = false, ReadOnly = true });
        var file = await readOnly.Share.FileSystem.CreateAsync(DittoFs.Storage.AuthContext.Root(), readOnly.Share.Root, "f"u8.ToArray(), DittoFs.Storage.CreateMode.Unchecked,
            DittoFs.Storage.SetAttributes.None, 0);
        Assert.That(file.IsOk, Is.True);
        var nfs4 = new Nfs4Service(readOnly.Shares, readOnly.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger<Nfs4Service>.Instance);
        Task<Compound4Res> Call(params NfsArgop4[] operations) => CompoundAsync(nfs4, 1, Callers.Root(), Ops(PutRoot, Lookup("export"), operations));
        Assert.Multiple(async () =>
        {
            Assert.That((await Call(Create(NfsFtype4.Nf4dir, "d"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await Call(Remove("f"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await Call(SaveFh, Rename("f", "g"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
            Assert.That((await Call(Lookup("f"), SaveFh, PutRoot, Lookup("export"), Link("g"))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
        });
    }

    [Test]
    public async Task REMOVE_removes_files_and_empty_directories_alike()
    {
        // RFC 7530 §16.26.4: REMOVE removes any directory entry, whatever its type.
        await Server.CreateFileAsync(Server.Root, "file");
        await Server.MkdirAsync(Server.Root, "dir");
        var full = await Server.MkdirAsync(Server.Root, "full");
        await Server.CreateFileAsync(full, "inside");
        var results = await OkAsync(Ops(Export, Remove("file"), Remove("dir")));
        Assert.Multiple(async () =>
        {
            Assert.That((ulong)results[2].Opremove.Resok4.Cinfo.After, Is.Not.EqualTo((ulong)results[2].Opremove.Resok4.Cinfo.Before));
            Assert.That((ulong)results[3].Opremove.Resok4.Cinfo.Before, Is.EqualTo((ulong)results[2].Opremove.Resok4.Cinfo.After).Or.GreaterThan((ulong)results[2].Opremove.Resok4.Cinfo.After));
            Assert.That((await Server.LookupAsync(Server.Root, "file")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
            Assert.That((await Server.LookupAsync(Server.Root, "dir")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
            Assert.That((await CompoundAsync(Ops(Export, Remove("full")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNotempty));
            Assert.That((await CompoundAsync(Ops(Export, Remove("missing")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNoent));
            Assert.That((await CompoundAsync(Ops(Export, Remove("")))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(Ops(Export, Remove(".")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadname));
            Assert.That((await CompoundAsync(Remove("x"))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle));
        });
    }

    [Test]
    public async Task REMOVE_by_a_user_without_write_permission_on_the_directory_is_ACCESS()
    {
        var locked = await Server.MkdirAsync(Server.Root, "locked", mode: 0x1ED);
        await Server.CreateFileAsync(locked, "f");
        var result = await CompoundAsync(Nfs4, 1, Callers.User(1000, 1000), PutFh(locked), Remove("f"));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errAccess));
    }

    [Test]
    public async Task RENAME_moves_from_the_saved_directory_to_the_current_one_and_answers_both_change_infos()
    {
        // RFC 7530 §16.27.4: saved filehandle = source directory, current = target directory, which it stays.
        var from = await Server.MkdirAsync(Server.Root, "from");
        var to = await Server.MkdirAsync(Server.Root, "to");
        await Server.CreateFileAsync(from, "a");
        var results = await OkAsync(PutFh(from), SaveFh, PutFh(to), Rename("a", "b"), GetFh);
        var rename = results[3].Oprename.Resok4;
        Assert.Multiple(async () =>
        {
            Assert.That((ulong)rename.SourceCinfo.After, Is.Not.EqualTo((ulong)rename.SourceCinfo.Before));
            Assert.That((ulong)rename.TargetCinfo.After, Is.Not.EqualTo((ulong)rename.TargetCinfo.Before));
            Assert.That(rename.SourceCinfo.Atomic && rename.TargetCinfo.Atomic, Is.True);
            Assert.That(Handle(results[4]).Data.ToArray(), Is.EqualTo(to.Data.ToArray()));
            Assert.That((await Server.LookupAsync(from, "a")).Status, Is.EqualTo(Nfsstat3.Nfs3errNoent));
            Assert.That((await Server.LookupAsync(to, "b")).Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        });
    }

    [Test]
    public async Task RENAME_and_LINK_need_both_filehandles_in_one_file_system()
    {
        var file = await Server.CreateFileAsync(Server.Root, "f");
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(Ops(Export, Rename("f", "g")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle), "no saved filehandle");
            Assert.That((await CompoundAsync(Ops(Export, Link("g")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle), "no saved filehandle");
            // RFC 7530 §16.27.5, §16.9.4: different fsids are NFS4ERR_XDEV (the pseudo file system is one, the share another).
            Assert.That((await CompoundAsync(PutRoot, SaveFh, Lookup("export"), Rename("export", "g"))).Status, Is.EqualTo(Nfsstat4.Nfs4errXdev));
            Assert.That((await CompoundAsync(PutFh(file), SaveFh, PutRoot, Link("g"))).Status, Is.EqualTo(Nfsstat4.Nfs4errXdev));
            Assert.That((await CompoundAsync(Ops(Export, SaveFh, Rename("", "g")))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(Ops(Export, SaveFh, Rename("f", "..")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadname));
            Assert.That((await CompoundAsync(Ops(Export, SaveFh, Rename("missing", "g")))).Status, Is.EqualTo(Nfsstat4.Nfs4errNoent));
        });
    }

    [Test]
    public async Task LINK_gives_the_saved_file_a_name_in_the_current_directory_seen_through_v3()
    {
        // RFC 7530 §16.9.4: saved filehandle = the object, current = the directory, which it stays.
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var directory = await Server.MkdirAsync(Server.Root, "d");
        var results = await OkAsync(PutFh(file), SaveFh, PutFh(directory), Link("second"), GetFh);
        var v3 = await Server.LookupAsync(directory, "second");
        Assert.Multiple(async () =>
        {
            Assert.That((ulong)results[3].Oplink.Resok4.Cinfo.After, Is.Not.EqualTo((ulong)results[3].Oplink.Resok4.Cinfo.Before));
            Assert.That(Handle(results[4]).Data.ToArray(), Is.EqualTo(directory.Data.ToArray()));
            Assert.That(v3.Resok.Object.Data.ToArray(), Is.EqualTo(file.Data.ToArray()));
            Assert.That((await Server.GetattrAsync(file)).Nlink, Is.EqualTo(2u));
            Assert.That((await CompoundAsync(PutFh(file), SaveFh, PutFh(directory), Link("second"))).Status, Is.EqualTo(Nfsstat4.Nfs4errExist));
            Assert.That((await CompoundAsync(PutFh(directory), SaveFh, PutFh(directory), Link("loop"))).Status, Is.EqualTo(Nfsstat4.Nfs4errIsdir),
                "RFC 7530 §13.2: LINK's error for a directory is ISDIR (link(2)'s EPERM)");
            Assert.That((await CompoundAsync(PutFh(directory), SaveFh, PutFh(file), Link("x"))).Status, Is.EqualTo(Nfsstat4.Nfs4errNotdir));
        });
    }
}
