using System.Net;
using System.Text;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// A handle is not a key. Two shares live in ONE metadata store: "/open" admits the test's client, "/closed" admits
/// only 10.0.0.0/8. The client takes a handle of "/open" and rewrites it to name files of "/closed" — by file id
/// under the open share's id, by the closed share's id, with another generation — and every procedure answers
/// NFS3ERR_STALE or NFS3ERR_ACCES without touching the file.
/// </summary>
[TestFixture]
public sealed class HandleForgingTests
{
    private IMetadataStore _store = null!;
    private Share _open = null!;
    private Share _closed = null!;
    private NfsService _nfs = null!;
    private InodeAttributes _secretFile;
    private InodeAttributes _secretDirectory;

    [SetUp]
    public async Task TwoSharesInOneStore()
    {
        _store = new MemoryMetadataStore();
        var content = new MemoryContentStore(capacityBytes: 1 << 20);
        _open = new Share("/open", await VirtualFileSystem.OpenAsync("/open", _store, content), new ExportOptions { RootSquash = false });
        _closed = new Share("/closed", await VirtualFileSystem.OpenAsync("/closed", _store, content),
            new ExportOptions { RootSquash = false, AllowedClients = [IPNetwork.Parse("10.0.0.0/8")] });
        _nfs = new NfsService(new ShareTable(_open, _closed), new NfsServerOptions(), NullLogger<NfsService>.Instance);

        var root = AuthContext.Root();
        _secretDirectory = (await _store.MkdirAsync(root, _closed.Root, "private"u8.ToArray(), new SetAttributes { Mode = 0x1FF })).Value.File;
        _secretFile = (await _store.CreateAsync(root, _secretDirectory.Ref, "secret"u8.ToArray(), CreateMode.Guarded, new SetAttributes { Mode = 0x1B6 }, 0)).Value.File;
        await content.WriteAsync(_secretFile.ContentId, 0, "top secret"u8.ToArray());
        await _store.CommitWriteAsync(root, _secretFile.Ref, 0, 10);
    }

    private static NfsFh3 Handle(uint shareId, ulong fileId, ulong generation) =>
        new() { Data = new FileHandle(shareId, fileId, generation).ToOpaque() };

    /// <summary>The open share's id with a file id of the closed share: what a client admitted to /open can forge.</summary>
    private NfsFh3 Forged(InodeAttributes file) => Handle(_open.Id, file.FileId, file.Generation);

    private static RpcCallContext Caller() => Callers.Root();

    private static Diropargs3 Where(NfsFh3 directory, string name) => new() { Dir = directory, Name = Encoding.UTF8.GetBytes(name) };

    [Test]
    public async Task A_file_id_of_another_share_under_this_shares_id_is_stale_in_every_procedure()
    {
        var file = Forged(_secretFile);
        var directory = Forged(_secretDirectory);
        var openRoot = new NfsFh3 { Data = _open.RootHandle };

        var statuses = new Dictionary<string, Nfsstat3>
        {
            ["GETATTR"] = (await _nfs.GetattrAsync(new Getattr3Args { Object = file }, Caller())).Status,
            ["SETATTR"] = (await _nfs.SetattrAsync(new Setattr3Args { Object = file, NewAttributes = Sattr.Mode(0x1FF) }, Caller())).Status,
            ["LOOKUP"] = (await _nfs.LookupAsync(new Lookup3Args { What = Where(directory, "secret") }, Caller())).Status,
            ["ACCESS"] = (await _nfs.AccessAsync(new Access3Args { Object = file, Access = 0x3F }, Caller())).Status,
            ["READ"] = (await _nfs.ReadAsync(new Read3Args { File = file, Count = 100 }, Caller())).Status,
            ["WRITE"] = (await _nfs.WriteAsync(new Write3Args { File = file, Count = 4, Stable = StableHow.FileSync, Data = "evil"u8.ToArray() }, Caller())).Status,
            ["CREATE"] = (await _nfs.CreateAsync(new Create3Args { Where = Where(directory, "planted"), How = new Createhow3 { Mode = Createmode3.Unchecked } }, Caller())).Status,
            ["MKDIR"] = (await _nfs.MkdirAsync(new Mkdir3Args { Where = Where(directory, "planted-dir") }, Caller())).Status,
            ["REMOVE"] = (await _nfs.RemoveAsync(new Remove3Args { Object = Where(directory, "secret") }, Caller())).Status,
            ["RENAME out"] = (await _nfs.RenameAsync(new Rename3Args { From = Where(directory, "secret"), To = Where(openRoot, "stolen") }, Caller())).Status,
            ["LINK out"] = (await _nfs.LinkAsync(new Link3Args { File = file, Link = Where(openRoot, "stolen-link") }, Caller())).Status,
            ["READDIR"] = (await _nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookieverf = new byte[8], Count = 4096 }, Caller())).Status,
            ["READDIRPLUS"] = (await _nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = directory, Cookieverf = new byte[8], Dircount = 4096, Maxcount = 8192 }, Caller())).Status,
            ["COMMIT"] = (await _nfs.CommitAsync(new Commit3Args { File = file }, Caller())).Status,
        };

        Assert.That(statuses.Where(status => status.Value != Nfsstat3.Nfs3errStale), Is.Empty, "procedures that did not answer STALE");
        var unchanged = await _store.GetAttributesAsync(_secretFile.Ref);
        Assert.That((unchanged.Value.Size, unchanged.Value.Mode, unchanged.Value.LinkCount), Is.EqualTo((10UL, 0x1B6u, 1u)), "the secret file is untouched");
        Assert.That((await _store.LookupAsync(AuthContext.Root(), _open.Root, "stolen"u8.ToArray())).Status, Is.EqualTo(StoreStatus.NoEnt));
    }

    [Test]
    public async Task The_other_shares_own_id_is_refused_with_acces()
    {
        var handle = Handle(_closed.Id, _secretFile.FileId, _secretFile.Generation);

        var result = await _nfs.ReadAsync(new Read3Args { File = handle, Count = 100 }, Caller());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errAcces));
    }

    [Test]
    public async Task The_root_of_another_share_under_this_shares_id_is_stale()
    {
        var result = await _nfs.ReaddirAsync(new Readdir3Args { Dir = Handle(_open.Id, _closed.Root.FileId, _closed.Root.Generation), Cookieverf = new byte[8], Count = 4096 }, Caller());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [TestCase(1UL, TestName = "a generation off by one")]
    [TestCase(0UL, TestName = "generation 0")]
    [TestCase(1UL << 32, TestName = "a generation no store has (above 32 bits)")]
    public async Task A_forged_generation_is_stale(ulong delta)
    {
        var own = (await _store.CreateAsync(AuthContext.Root(), _open.Root, "mine"u8.ToArray(), CreateMode.Guarded, default, 0)).Value.File;
        ulong generation = delta == 0 ? 0 : own.Generation + delta;

        var result = await _nfs.GetattrAsync(new Getattr3Args { Object = Handle(_open.Id, own.FileId, generation) }, Caller());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task A_share_id_no_share_has_is_stale()
    {
        var result = await _nfs.GetattrAsync(new Getattr3Args { Object = Handle(_open.Id ^ 0x5A5A5A5A, _open.Root.FileId, _open.Root.Generation) }, Caller());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [TestCase(new byte[0], TestName = "an empty handle")]
    [TestCase(new byte[] { 2, 0, 0, 0 }, TestName = "another format version")]
    public async Task A_handle_this_server_cannot_have_written_is_badhandle(byte[] bytes)
    {
        var result = await _nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = bytes } }, Caller());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errBadhandle));
    }

    [Test]
    public async Task Reserved_bytes_and_file_id_zero_are_badhandle()
    {
        var reserved = _open.RootHandle.ToArray();
        reserved[2] = 1;
        var zero = Handle(_open.Id, 0, _open.Root.Generation);

        var first = await _nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = reserved } }, Caller());
        var second = await _nfs.GetattrAsync(new Getattr3Args { Object = zero }, Caller());

        Assert.That((first.Status, second.Status), Is.EqualTo((Nfsstat3.Nfs3errBadhandle, Nfsstat3.Nfs3errBadhandle)));
    }

    [Test]
    public async Task The_client_still_reaches_its_own_share_normally()
    {
        var created = await _nfs.CreateAsync(new Create3Args { Where = Where(new NfsFh3 { Data = _open.RootHandle }, "ok"), How = new Createhow3 { Mode = Createmode3.Unchecked } }, Caller());
        Assert.That(created.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));

        var attributes = await _nfs.GetattrAsync(new Getattr3Args { Object = TestServer.Copy(created.Resok.Obj.Handle) }, Caller());

        Assert.That(attributes.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
    }
}
