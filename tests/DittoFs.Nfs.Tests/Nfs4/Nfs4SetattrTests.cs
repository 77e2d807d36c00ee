using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>SETATTR, VERIFY, NVERIFY, OPENATTR (RFC 7530 §16.32, §16.35, §16.15, §16.17; RFC 8881 §18.30, §18.31, §18.15, §18.17).</summary>
public sealed class Nfs4SetattrTests : Nfs4Fixture
{
    private static readonly byte[] Zeros = new byte[12], Ones = Enumerable.Repeat((byte)0xFF, 12).ToArray();

    private static NfsArgop4 SetAttr(Fattr4 attributes, uint seqid = 0, byte[]? other = null) =>
        NfsArgop4.FromOpsetattr(new Setattr4Args { Stateid = new Stateid4 { Seqid = seqid, Other = other ?? Zeros }, ObjAttributes = attributes });

    private static NfsArgop4 Verify(Fattr4 attributes) => NfsArgop4.FromOpverify(new Verify4Args { ObjAttributes = attributes });
    private static NfsArgop4 NVerify(Fattr4 attributes) => NfsArgop4.FromOpnverify(new Nverify4Args { ObjAttributes = attributes });

    [Test]
    public async Task SETATTR_of_a_v3_file_is_seen_through_v3_and_attrsset_is_exactly_what_was_set()
    {
        // RFC 7530 §16.32.4: attrsset is the attributes set; the size change reaches the content (§16.32.5).
        var file = await Server.CreateFileAsync(Server.Root, "f");
        await Server.WriteAsync(file, 0, new byte[100]);
        var results = await OkAsync(PutFh(file), SetAttr(new Fattr4Writer().UInt64(Size, 10).UInt32(Mode, 0x180).String(OwnerGroup, "50@example.com")
            .ClientTime(TimeModifySet, 1_600_000_000, 7)));
        var v3 = await Server.GetattrAsync(file);
        Assert.Multiple(async () =>
        {
            Assert.That(results[1].Opsetattr.Attrsset.ToArray(), Is.EqualTo(Fattr4Reader.Mask(Size, Mode, OwnerGroup, TimeModifySet)));
            Assert.That((ulong)v3.Size, Is.EqualTo(10UL));
            Assert.That((uint)v3.Mode & 0xFFF, Is.EqualTo(0x180u));
            Assert.That((uint)v3.Gid, Is.EqualTo(50u));
            Assert.That(v3.Mtime.Seconds, Is.EqualTo(1_600_000_000u));
            Assert.That(v3.Mtime.Nseconds, Is.EqualTo(7u));
            Assert.That(await Server.ReadAllAsync(file), Has.Length.EqualTo(10));
        });
    }

    [Test]
    public async Task SETATTR_of_the_server_time_sets_a_time_after_the_client_time_it_replaces()
    {
        var file = await Server.CreateFileAsync(Server.Root, "f");
        await OkAsync(PutFh(file), SetAttr(new Fattr4Writer().ClientTime(TimeAccessSet, 1000, 0)));
        await OkAsync(PutFh(file), SetAttr(new Fattr4Writer().ServerTime(TimeAccessSet)));
        Assert.That((await Server.GetattrAsync(file)).Atime.Seconds, Is.GreaterThan(1000u));
    }

    [Test]
    public async Task SETATTR_takes_the_READ_bypass_stateid_and_refuses_any_other_but_the_anonymous_one()
    {
        // RFC 7530 §9.1.4.3: the special stateids; no OPEN has handed out any other yet.
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var mode = new Fattr4Writer().UInt32(Mode, 0x1FF).Build();
        Assert.That((await CompoundAsync(PutFh(file), SetAttr(mode, uint.MaxValue, Ones))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var other = await CompoundAsync(PutFh(file), SetAttr(mode, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        Assert.Multiple(() =>
        {
            Assert.That(other.Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid));
            Assert.That(other.Resarray.ToArray()[1].Opsetattr.Attrsset.Count, Is.Zero, "RFC 7530 §16.32.4: attrsset on failure too, empty");
        });
        Assert.That((await CompoundAsync(PutFh(file), SetAttr(mode, 0, Ones))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadStateid), "seqid 0 with ones is neither");
    }

    [Test]
    public async Task SETATTR_in_the_pseudo_file_system_and_on_a_read_only_export_is_ROFS()
    {
        // RFC 7530 §7: the pseudo file system is read-only; a read-only export is too.
        var mode = new Fattr4Writer().UInt32(Mode, 0x1FF).Build();
        Assert.That((await CompoundAsync(PutRoot, SetAttr(mode))).Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
        var readOnly = await TestServer.StartAsync(export: new ExportOptions { RootSquash = false, ReadOnly = true });
        var nfs4 = new Nfs4Service(readOnly.Shares, readOnly.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger<Nfs4Service>.Instance);
        var result = await CompoundAsync(nfs4, 1, Callers.Root(), PutFh(readOnly.Root), SetAttr(mode));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errRofs));
    }

    [Test]
    public async Task SETATTR_answers_the_decoders_errors_and_the_stores()
    {
        var file = await Server.CreateFileAsync(Server.Root, "f");
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(PutFh(file), SetAttr(new Fattr4Writer().String(Owner, "alice")))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadowner));
            Assert.That((await CompoundAsync(PutFh(file), SetAttr(new Fattr4Writer().UInt32(Type, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(PutFh(file), SetAttr(new Fattr4Writer().Raw(Acl, 0, 0, 0, 0)))).Status, Is.EqualTo(Nfsstat4.Nfs4errAttrnotsupp));
            Assert.That((await CompoundAsync(PutFh(file), SetAttr(new Fattr4Writer().UInt32(Mode, 1).Build(-2)))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
            Assert.That((await CompoundAsync(SetAttr(new Fattr4Writer()))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle));
            // The store's permission rule: only the owner (or root) changes the mode.
            var stranger = await CompoundAsync(Nfs4, 1, Callers.User(4321, 4321), PutFh(file), SetAttr(new Fattr4Writer().UInt32(Mode, 0x1FF)));
            Assert.That(stranger.Status, Is.EqualTo(Nfsstat4.Nfs4errPerm));
        });
    }

    [Test]
    public async Task SETATTR_of_a_directorys_size_is_ISDIR_and_of_an_owner_to_itself_by_its_owner_succeeds()
    {
        // RFC 7530 §13.2: ISDIR is SETATTR's error for a size on a directory; §16.32.5: setting the owner to the
        // current owner SHOULD succeed, so exclusive creates followed by SETATTR work for non-root users.
        var directory = await Server.MkdirAsync(Server.Root, "d");
        var file = await Server.CreateFileAsync(Server.Root, "mine", Callers.User(1000, 1000));
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(PutFh(directory), SetAttr(new Fattr4Writer().UInt64(Size, 0)))).Status, Is.EqualTo(Nfsstat4.Nfs4errIsdir));
            var same = await CompoundAsync(Nfs4, 1, Callers.User(1000, 1000), PutFh(file), SetAttr(new Fattr4Writer().String(Owner, "1000").String(OwnerGroup, "1000")));
            Assert.That(same.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            var other = await CompoundAsync(Nfs4, 1, Callers.User(1000, 1000), PutFh(file), SetAttr(new Fattr4Writer().String(Owner, "1001")));
            Assert.That(other.Status, Is.EqualTo(Nfsstat4.Nfs4errPerm), "chown to another user needs root (the store's rule)");
        });
    }

    [Test]
    public async Task GETATTR_of_a_set_only_attribute_is_INVAL_and_supported_attrs_lists_them()
    {
        // RFC 7530 §5.5: getting a set-only attribute is NFS4ERR_INVAL; clients set only what supported_attrs lists.
        Assert.That((await CompoundAsync(Ops(Export, GetAttr(Type, TimeModifySet)))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
        var readdir = NfsArgop4.FromOpreaddir(new Readdir4Args { Cookieverf = new byte[8], Dircount = 4096, Maxcount = 4096, AttrRequest = Fattr4Reader.Mask(Type, TimeAccessSet) });
        Assert.That((await CompoundAsync(Ops(Export, readdir))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval), "READDIR too");
        var supported = (uint[])Attributes((await OkAsync(Ops(Export, GetAttr(SupportedAttrs))))[2])[SupportedAttrs];
        Assert.That(supported[1] & (1u << (TimeAccessSet - 32)), Is.Not.Zero);
        Assert.That(supported[1] & (1u << (TimeModifySet - 32)), Is.Not.Zero);
    }

    [Test]
    public async Task VERIFY_passes_on_equal_values_and_NVERIFY_fails_on_them()
    {
        // RFC 7530 §16.35.4 / §16.15.4: NFS4ERR_NOT_SAME, NFS4ERR_SAME; owners compare by the number they name.
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var actual = new Fattr4Writer().UInt32(Type, 1).UInt64(Size, 0).String(Owner, "0@example.com").Build();
        var other = new Fattr4Writer().UInt64(Size, 1).Build();
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(PutFh(file), Verify(actual), GetFh)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That((await CompoundAsync(PutFh(file), Verify(other))).Status, Is.EqualTo(Nfsstat4.Nfs4errNotSame));
            Assert.That((await CompoundAsync(PutFh(file), NVerify(actual))).Status, Is.EqualTo(Nfsstat4.Nfs4errSame));
            Assert.That((await CompoundAsync(PutFh(file), NVerify(other), GetFh)).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        });
    }

    [Test]
    public async Task VERIFY_of_the_change_attribute_guards_a_SETATTR_as_v3s_guard_does()
    {
        // RFC 7530 §16.32.5: VERIFY of change then SETATTR emulates v3's guarded SETATTR.
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var change = (ulong)Attributes((await OkAsync(PutFh(file), GetAttr(Change)))[1])[Change];
        await OkAsync(PutFh(file), Verify(new Fattr4Writer().UInt64(Change, change)), SetAttr(new Fattr4Writer().UInt32(Mode, 0x1C0)));
        var stale = await CompoundAsync(PutFh(file), Verify(new Fattr4Writer().UInt64(Change, change)), SetAttr(new Fattr4Writer().UInt32(Mode, 0x1FF)));
        Assert.Multiple(async () =>
        {
            Assert.That(stale.Status, Is.EqualTo(Nfsstat4.Nfs4errNotSame));
            Assert.That(stale.Resarray.Count, Is.EqualTo(2), "the SETATTR did not run");
            Assert.That((uint)(await Server.GetattrAsync(file)).Mode & 0xFFF, Is.EqualTo(0x1C0u));
        });
    }

    [Test]
    public async Task VERIFY_refuses_attributes_it_cannot_compare_and_works_in_the_pseudo_file_system()
    {
        Assert.Multiple(async () =>
        {
            // RFC 7530 §16.35.5.
            Assert.That((await CompoundAsync(Ops(Export, Verify(new Fattr4Writer().Raw(Acl, 0, 0, 0, 0))))).Status, Is.EqualTo(Nfsstat4.Nfs4errAttrnotsupp));
            Assert.That((await CompoundAsync(Ops(Export, NVerify(new Fattr4Writer().ServerTime(TimeModifySet))))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(Ops(Export, Verify(new Fattr4Writer().UInt32(RdattrError, 0))))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval));
            Assert.That((await CompoundAsync(Ops(Export, Verify(new Fattr4Writer().UInt32(Type, 2).Build(4))))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadxdr));
            Assert.That((await CompoundAsync(PutRoot, Verify(new Fattr4Writer().UInt32(Type, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok), "NF4DIR");
            Assert.That((await CompoundAsync(Verify(new Fattr4Writer().UInt32(Type, 2)))).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle));
        });
    }

    [Test]
    public async Task OPENATTR_is_NOTSUPP_since_named_attributes_are_not_served()
    {
        // RFC 7530 §16.17.4: a server that does not support named attributes answers NFS4ERR_NOTSUPP.
        var result = await CompoundAsync(Ops(Export, NfsArgop4.FromOpopenattr(new Openattr4Args { Createdir = false })));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errNotsupp));
        Assert.That(result.Resarray.ToArray()[2].Resop, Is.EqualTo(NfsOpnum4.OpOpenattr));
    }
}
