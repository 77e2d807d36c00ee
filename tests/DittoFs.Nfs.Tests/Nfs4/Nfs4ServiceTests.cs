using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// NFSv4 COMPOUND over the same share as NFSv3 (files made through v3 are seen through v4 with the same handles).
/// Each reply is encoded and decoded again before it is checked, so what is checked is what goes on the wire.
/// Expected answers come from RFC 7530 (4.0) and RFC 8881 (4.1); each test names its section.
/// </summary>
public sealed class Nfs4ServiceTests
{
    private const int Type = 1, Fsid = 8, Filehandle = 19, Fileid = 20, Mode = 33, Size = 4, SupportedAttrs = 0, MountedOnFileid = 55, Acl = 12;

    private TestServer _server = null!;
    private Nfs4TestClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await TestServer.StartAsync();
        _client = new Nfs4TestClient(new Nfs4Service(_server.Shares, _server.Options, NullLogger<Nfs4Service>.Instance), () => Callers.Root());
    }

    /// <summary>A 4.0 COMPOUND (no session), or a bare 4.1 one.</summary>
    private Task<Compound4Res> CompoundAsync(uint minorVersion, RpcCallContext caller, params NfsArgop4[] operations) =>
        new Nfs4TestClient(_client.Service, () => caller).SendAsync(minorVersion, operations);

    /// <summary>A 4.1 COMPOUND in the test client's session.</summary>
    private Task<Compound4Res> CompoundAsync(params NfsArgop4[] operations) => _client.CompoundAsync(operations);

    private static NfsArgop4 PutRoot => new(NfsOpnum4.OpPutrootfh);
    private static NfsArgop4 GetFh => new(NfsOpnum4.OpGetfh);
    private static NfsArgop4 Lookup(string name) => NfsArgop4.FromOplookup(new Lookup4Args { Objname = Encoding.UTF8.GetBytes(name) });
    private static NfsArgop4 PutFh(ReadOnlySpan<byte> handle) => NfsArgop4.FromOpputfh(new Putfh4Args { Object = handle.ToArray() });
    private static NfsArgop4 GetAttr(params int[] attributes) => NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = Fattr4Reader.Mask(attributes) });

    private static NfsResop4[] Results(in Compound4Res result) => result.Resarray.ToArray();

    private static Dictionary<int, object> Attributes(in NfsResop4 result) => Fattr4Reader.Read(result.Opgetattr.Resok4.ObjAttributes);

    [Test]
    public async Task The_root_is_a_pseudo_directory_and_LOOKUP_crosses_into_the_share_with_the_v3_root_handle()
    {
        // RFC 7530 §7.3-7.4: the pseudo file system joins the exports; crossing into one is a new fsid.
        var result = await CompoundAsync(PutRoot, GetAttr(Type, Fsid, Fileid), Lookup("export"), GetFh, GetAttr(Type, Fsid, MountedOnFileid));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var results = Results(result);
        var root = Attributes(results[1]);
        var share = Attributes(results[4]);
        Assert.Multiple(() =>
        {
            Assert.That(result.Tag.Value.ToArray(), Is.EqualTo("tag"u8.ToArray()), "RFC 7530 §16.2.3: the tag comes back");
            Assert.That(results.Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpGetattr, NfsOpnum4.OpLookup, NfsOpnum4.OpGetfh, NfsOpnum4.OpGetattr }));
            Assert.That(root[Type], Is.EqualTo(2u), "NF4DIR");
            Assert.That(results[3].Opgetfh.Resok4.Object.Value.ToArray(), Is.EqualTo(_server.Share.RootHandle.ToArray()), "the v3 handle of the share's root");
            Assert.That(share[Fsid], Is.Not.EqualTo(root[Fsid]), "a share is another file system");
            Assert.That(share[MountedOnFileid], Is.Not.EqualTo(root[Fileid]), "RFC 7530 §5.8.2.23: mounted on the pseudo directory \"export\", not the root");
        });
    }

    [Test]
    public async Task A_file_made_through_v3_has_the_same_handle_and_attributes_through_v4()
    {
        var v3 = await _server.CreateFileAsync(_server.Root, "shared.txt");
        var result = await CompoundAsync(PutRoot, Lookup("export"), Lookup("shared.txt"), GetFh, GetAttr(Type, Size, Mode, Fileid, Filehandle));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var results = Results(result);
        var attributes = Attributes(results[4]);
        Assert.Multiple(() =>
        {
            Assert.That(results[3].Opgetfh.Resok4.Object.Value.ToArray(), Is.EqualTo(v3.Data.ToArray()));
            Assert.That(attributes[Filehandle], Is.EqualTo(v3.Data.ToArray()));
            Assert.That(attributes[Type], Is.EqualTo(1u), "NF4REG");
            Assert.That(attributes[Size], Is.EqualTo(0UL));
        });
    }

    [Test]
    public async Task PUTFH_takes_a_v3_handle_and_LOOKUPP_walks_back_up_to_the_pseudo_root()
    {
        var directory = await _server.MkdirAsync(_server.Root, "dir");
        var result = await CompoundAsync(PutFh(directory.Data.Span), new NfsArgop4(NfsOpnum4.OpLookupp), GetFh, new NfsArgop4(NfsOpnum4.OpLookupp), GetFh,
            new NfsArgop4(NfsOpnum4.OpLookupp));
        var results = Results(result);
        Assert.Multiple(() =>
        {
            Assert.That(results[2].Opgetfh.Resok4.Object.Value.ToArray(), Is.EqualTo(_server.Share.RootHandle.ToArray()), "the share's root");
            Assert.That(results[4].Opgetfh.Resok4.Object.Value.Length, Is.EqualTo(PseudoFileSystem.HandleSize), "the pseudo root");
            Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errNoent), "RFC 7530 §16.16.5: nothing above the root");
            Assert.That(results, Has.Length.EqualTo(6));
        });
    }

    [Test]
    public async Task A_COMPOUND_stops_at_the_first_failure_and_answers_its_status()
    {
        // RFC 7530 §15.2: the results up to and including the failed operation; the COMPOUND's status is its status.
        var result = await CompoundAsync(PutRoot, Lookup("export"), Lookup("missing"), GetFh);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errNoent));
            Assert.That(Results(result).Select(r => r.Resop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpLookup, NfsOpnum4.OpLookup }));
        });
    }

    [TestCase("", Nfsstat4.Nfs4errInval)]
    [TestCase(".", Nfsstat4.Nfs4errBadname)]
    [TestCase("..", Nfsstat4.Nfs4errBadname)]
    public async Task LOOKUP_refuses_names_that_are_not_components(string name, Nfsstat4 expected)
    {
        // RFC 8881 §18.13.3 / RFC 7530 §16.15.5: an empty name is invalid; "." and ".." are not names (LOOKUPP goes up).
        Assert.That((await CompoundAsync(PutRoot, Lookup("export"), Lookup(name))).Status, Is.EqualTo(expected));
    }

    [Test]
    public async Task A_name_past_255_bytes_is_too_long()
    {
        Assert.That((await CompoundAsync(PutRoot, Lookup("export"), Lookup(new string('n', 256)))).Status, Is.EqualTo(Nfsstat4.Nfs4errNametoolong));
    }

    [Test]
    public async Task Operations_on_no_filehandle_answer_NOFILEHANDLE()
    {
        // RFC 7530 §16.x.5 of GETFH, GETATTR, LOOKUP, SAVEFH: there is no current filehandle before a PUT*FH.
        foreach (var operation in new[] { GetFh, GetAttr(Type), Lookup("x"), new NfsArgop4(NfsOpnum4.OpSavefh), new NfsArgop4(NfsOpnum4.OpReadlink) })
            Assert.That((await CompoundAsync(operation)).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle), operation.Argop.ToString());
    }

    [Test]
    public async Task RESTOREFH_without_SAVEFH_fails_and_with_it_restores()
    {
        Assert.That((await CompoundAsync(PutRoot, new NfsArgop4(NfsOpnum4.OpRestorefh))).Status, Is.EqualTo(Nfsstat4.Nfs4errRestorefh));
        var result = await CompoundAsync(PutRoot, new NfsArgop4(NfsOpnum4.OpSavefh), Lookup("export"), new NfsArgop4(NfsOpnum4.OpRestorefh), GetFh);
        Assert.That(Results(result)[4].Opgetfh.Resok4.Object.Value.Length, Is.EqualTo(PseudoFileSystem.HandleSize), "back at the pseudo root");
    }

    [Test]
    public async Task A_minor_version_past_1_is_refused_with_no_results()
    {
        // RFC 8881 §16.2.3: NFS4ERR_MINOR_VERS_MISMATCH, an empty result array.
        var result = await CompoundAsync(2, Callers.Root(), PutRoot);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errMinorVersMismatch));
            Assert.That(result.Resarray.Count, Is.Zero);
        });
    }

    [TestCase(0u, Nfsstat4.Nfs4errResource)]
    [TestCase(1u, Nfsstat4.Nfs4errTooManyOps)]
    public async Task Too_many_operations_fail_at_the_first(uint minorVersion, Nfsstat4 expected)
    {
        var operations = Enumerable.Repeat(PutRoot, _server.Options.MaxCompoundOperations + 1).ToArray();
        var result = minorVersion == 0 ? await CompoundAsync(0, Callers.Root(), operations) : await CompoundAsync(operations);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(expected));
            Assert.That(result.Resarray.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_COMPOUND_of_no_operations_succeeds_with_no_results()
    {
        var result = await CompoundAsync();
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That(result.Resarray.Count, Is.Zero);
        });
    }

    [Test]
    public async Task PUTFH_of_garbage_is_BADHANDLE_and_of_an_unexported_share_STALE()
    {
        Assert.That((await CompoundAsync(PutFh([9, 9, 9]))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadhandle));
        var foreign = new FileHandle(_server.Share.Id ^ 1, 5, 1).ToOpaque().ToArray();
        Assert.That((await CompoundAsync(PutFh(foreign))).Status, Is.EqualTo(Nfsstat4.Nfs4errStale));
    }

    [Test]
    public async Task GETATTR_answers_exactly_the_supported_attributes_asked_for_in_bitmap_order()
    {
        // RFC 7530 §16.7.4: attributes not supported are left out of the reply's bitmap; the values follow it exactly.
        var result = await CompoundAsync(PutRoot, Lookup("export"), GetAttr(SupportedAttrs, Type, Acl, Size, 76));
        var getattr = Results(result)[2].Opgetattr.Resok4.ObjAttributes;
        var values = Fattr4Reader.Read(getattr);
        Assert.Multiple(() =>
        {
            Assert.That(values.Keys, Is.EqualTo(new[] { SupportedAttrs, Type, Size }));
            Assert.That(getattr.Attrmask.ToArray(), Is.EqualTo(Fattr4Reader.Mask(SupportedAttrs, Type, Size)));
            var supported = (uint[])values[SupportedAttrs];
            Assert.That(supported.Length, Is.EqualTo(3), "4.1 serves suppattr_exclcreat (75)");
            Assert.That(supported[0] & (1u << Acl), Is.Zero, "acl is not served");
        });
    }

    [Test]
    public async Task The_file_systems_space_and_file_figures_are_those_v3_FSSTAT_answers_and_the_pseudo_root_has_none()
    {
        // RFC 7530 §5.7 (files_avail 21, files_free 22, files_total 23, space_avail 42, space_free 43, space_total 44):
        // what statfs (df) asks for; the same figures as NFSv3's FSSTAT (RFC 1813 §3.3.18) of the same share.
        const int FilesAvail = 21, FilesFree = 22, FilesTotal = 23, SpaceAvail = 42, SpaceFree = 43, SpaceTotal = 44;
        int[] figures = [FilesAvail, FilesFree, FilesTotal, SpaceAvail, SpaceFree, SpaceTotal];
        await _server.CreateFileAsync(_server.Root, "f");
        var result = await CompoundAsync(PutRoot, GetAttr(figures), Lookup("export"), GetAttr([Size, .. figures]));
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
        var pseudo = Attributes(Results(result)[1]);
        var share = Attributes(Results(result)[3]);
        var fsstat = (await _server.Nfs.FsstatAsync(new Fsstat3Args { Fsroot = _server.Root }, Callers.Root())).Resok;
        Assert.Multiple(() =>
        {
            Assert.That(figures.Select(f => pseudo[f]), Is.All.EqualTo(0UL), "the pseudo file system holds nothing");
            Assert.That(share.Keys, Is.EqualTo(new[] { Size, FilesAvail, FilesFree, FilesTotal, SpaceAvail, SpaceFree, SpaceTotal }), "in bitmap order");
            Assert.That(new[] { share[FilesAvail], share[FilesFree], share[FilesTotal], share[SpaceAvail], share[SpaceFree], share[SpaceTotal] },
                Is.EqualTo(new object[] { fsstat.Afiles.Value, fsstat.Ffiles.Value, fsstat.Tfiles.Value, fsstat.Abytes.Value, fsstat.Fbytes.Value, fsstat.Tbytes.Value }));
            Assert.That(share[SpaceTotal], Is.GreaterThan(0UL));
        });
    }

    [Test]
    public async Task Minor_version_0_does_not_claim_the_4_1_attributes()
    {
        var result = await CompoundAsync(0, Callers.Root(), PutRoot, GetAttr(SupportedAttrs, 75));
        var values = Fattr4Reader.Read(Results(result)[1].Opgetattr.Resok4.ObjAttributes);
        Assert.Multiple(() =>
        {
            Assert.That(values.Keys, Is.EqualTo(new[] { SupportedAttrs }));
            Assert.That(((uint[])values[SupportedAttrs]).Length, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task READDIR_of_the_pseudo_root_lists_the_share_and_of_the_share_its_files_without_dots()
    {
        await _server.CreateFileAsync(_server.Root, "a");
        await _server.CreateFileAsync(_server.Root, "b");
        var root = await CompoundAsync(PutRoot, ReadDir(0, 4096, Type, Fileid, MountedOnFileid), Lookup("export"), GetAttr(Fileid, MountedOnFileid));
        var rootEntries = Results(root)[1].Opreaddir.Resok4.Reply;
        var shareRoot = Attributes(Results(root)[3]);
        var share = await CompoundAsync(PutRoot, Lookup("export"), ReadDir(0, 4096, Type, Filehandle));
        var shareEntries = Results(share)[2].Opreaddir.Resok4.Reply;
        Assert.Multiple(() =>
        {
            Assert.That(rootEntries.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Value.Span)), Is.EqualTo(new[] { "export" }));
            Assert.That(rootEntries.Eof, Is.True);
            var exportEntry = Fattr4Reader.Read(rootEntries.Entries.ToArray()[0].Attrs);
            Assert.That(exportEntry[Fileid], Is.EqualTo(shareRoot[Fileid]), "RFC 7530 §5.8.2.23: the entry of a mount point has the mounted root's attributes");
            Assert.That(exportEntry[MountedOnFileid], Is.EqualTo(shareRoot[MountedOnFileid]));
            Assert.That(shareEntries.Entries.ToArray().Select(e => Encoding.UTF8.GetString(e.Name.Value.Span)).Order(), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(shareEntries.Eof, Is.True);
            foreach (var entry in shareEntries.Entries.ToArray())
                Assert.That(Fattr4Reader.Read(entry.Attrs)[Type], Is.EqualTo(1u));
        });
    }

    [Test]
    public async Task READDIR_resumes_from_a_cookie_and_a_reply_too_small_for_one_entry_is_TOOSMALL()
    {
        for (int i = 0; i < 5; i++)
            await _server.CreateFileAsync(_server.Root, $"file{i}");
        var first = await CompoundAsync(PutRoot, Lookup("export"), ReadDir(0, 200, Type));
        var page = Results(first)[2].Opreaddir.Resok4;
        var entries = page.Reply.Entries.ToArray();
        Assert.That(entries, Is.Not.Empty.And.Length.LessThan(5), "200 bytes hold some entries, not all");
        var rest = await CompoundAsync(PutRoot, Lookup("export"),
            NfsArgop4.FromOpreaddir(new Readdir4Args { Cookie = entries[^1].Cookie, Cookieverf = page.Cookieverf, Dircount = 4096, Maxcount = 4096, AttrRequest = Fattr4Reader.Mask(Type) }));
        var names = entries.Concat(Results(rest)[2].Opreaddir.Resok4.Reply.Entries.ToArray()).Select(e => Encoding.UTF8.GetString(e.Name.Value.Span));
        Assert.That(names.Order(), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"file{i}")));
        Assert.That((await CompoundAsync(PutRoot, Lookup("export"), ReadDir(0, 20, Type))).Status, Is.EqualTo(Nfsstat4.Nfs4errToosmall));
    }

    [TestCase(1UL)]
    [TestCase(2UL)]
    public async Task READDIR_cookies_1_and_2_are_bad(ulong cookie)
    {
        // RFC 7530 §16.24.4: cookie values 1 and 2 are reserved.
        Assert.That((await CompoundAsync(PutRoot, Lookup("export"), ReadDir(cookie, 4096, Type))).Status, Is.EqualTo(Nfsstat4.Nfs4errBadCookie));
    }

    [Test]
    public async Task An_operation_not_served_yet_is_NOTSUPP_and_a_4_1_operation_in_4_0_is_ILLEGAL()
    {
        var notServed = await CompoundAsync(PutRoot, NfsArgop4.FromOpdelegpurge(new Delegpurge4Args { Clientid = 1 }));
        Assert.That(notServed.Status, Is.EqualTo(Nfsstat4.Nfs4errNotsupp));
        var illegal = await CompoundAsync(0, Callers.Root(), PutRoot, NfsArgop4.FromOpreclaimComplete(new ReclaimComplete4Args()));
        Assert.Multiple(() =>
        {
            // RFC 8881 §15.2 / RFC 7530 §16.2.3: an operation the minor version does not have answers OP_ILLEGAL in its place.
            Assert.That(illegal.Status, Is.EqualTo(Nfsstat4.Nfs4errOpIllegal));
            Assert.That(Results(illegal)[1].Resop, Is.EqualTo(NfsOpnum4.OpIllegal));
        });
    }

    [Test]
    public async Task A_share_that_does_not_take_the_callers_flavour_is_hidden_and_its_files_are_WRONGSEC()
    {
        var strict = await TestServer.StartAsync(export: new ExportOptions { RootSquash = false, AllowedAuthFlavors = [DittoFs.Storage.AuthFlavor.Sys] });
        var client = new Nfs4TestClient(new Nfs4Service(strict.Shares, strict.Options, NullLogger<Nfs4Service>.Instance), () => Callers.AuthNone());
        Task<Compound4Res> Call(params NfsArgop4[] operations) => client.CompoundAsync(operations);
        Assert.Multiple(async () =>
        {
            Assert.That((await Call(PutRoot, Lookup("export"))).Status, Is.EqualTo(Nfsstat4.Nfs4errNoent));
            Assert.That((await Call(PutFh(strict.Share.RootHandle.Span), GetAttr(Type))).Status, Is.EqualTo(Nfsstat4.Nfs4errWrongsec));
            var secinfo = await Call(PutFh(strict.Share.RootHandle.Span), NfsArgop4.FromOpsecinfoNoName(SecinfoStyle4.SecinfoStyle4CurrentFh));
            Assert.That(Results(secinfo)[1].OpsecinfoNoName.Resok4.ToArray().Select(s => s.Flavor), Is.EqualTo(new[] { 1u }), "AUTH_SYS only");
        });
    }

    private static NfsArgop4 ReadDir(ulong cookie, uint maxCount, params int[] attributes) =>
        NfsArgop4.FromOpreaddir(new Readdir4Args { Cookie = cookie, Cookieverf = new byte[8], Dircount = maxCount, Maxcount = maxCount, AttrRequest = Fattr4Reader.Mask(attributes) });
}
