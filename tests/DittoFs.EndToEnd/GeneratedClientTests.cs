using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.EndToEnd;

/// <summary>
/// The procedures libnfs never sends (NFS NULL, READDIR, PATHCONF; MOUNT NULL, DUMP, UMNT, UMNTALL, EXPORT),
/// through the generated client stubs over our RPC client, against the real server.
/// </summary>
[TestFixture]
public sealed class GeneratedClientTests : ServerFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private RpcClient _rpc = null!;
    private MountV3Client _mount = null!;
    private NfsV3Client _nfs = null!;

    [SetUp]
    public async Task Connect()
    {
        _rpc = await RpcClient.ConnectAsync("127.0.0.1", Server.Port, new RpcClientOptions { Credential = RpcCredential.AuthSys(0, 0, machineName: "e2e") });
        _mount = new MountV3Client(_rpc);
        _nfs = new NfsV3Client(_rpc);
    }

    [TearDown]
    public async Task Disconnect() => await _rpc.DisposeAsync();

    private async Task<NfsFh3> MountRoot()
    {
        var result = await _mount.MntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3Ok));
        return new NfsFh3 { Data = result.Mountinfo.Fhandle.ToArray() };
    }

    [Test]
    public async Task Null_procedures_answer()
    {
        await _nfs.NullAsync().AsTask().WaitAsync(Timeout);
        await _mount.NullAsync().AsTask().WaitAsync(Timeout);
    }

    [Test]
    public async Task Mnt_of_an_unknown_export_is_refused()
    {
        var result = await _mount.MntAsync(Encoding.UTF8.GetBytes("/nope")).AsTask().WaitAsync(Timeout);
        Assert.That(result.FhsStatus, Is.EqualTo(Mountstat3.Mnt3errNoent));
    }

    [Test]
    public async Task Export_lists_the_share()
    {
        var exports = await _mount.ExportAsync().AsTask().WaitAsync(Timeout);
        var paths = exports.ToArray().Select(e => Encoding.UTF8.GetString(e.ExDir.Span)).ToList();
        Assert.That(paths, Does.Contain("/export"));
    }

    [Test]
    public async Task Dump_shows_a_mount_until_umnt()
    {
        await MountRoot();
        var mounted = (await _mount.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray();
        Assert.That(mounted.Select(m => Encoding.UTF8.GetString(m.MlDirectory.Span)), Does.Contain("/export"));

        // Every client of this test is 127.0.0.1, the host DUMP lists; UMNTALL forgets all its mounts.
        await _mount.UmntallAsync().AsTask().WaitAsync(Timeout);
        var after = (await _mount.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray();
        Assert.That(after.Select(m => Encoding.UTF8.GetString(m.MlHostname.Span)), Does.Not.Contain("127.0.0.1"));
    }

    [Test]
    public async Task Umnt_removes_one_mount()
    {
        await MountRoot();
        await _mount.UmntAsync(Encoding.UTF8.GetBytes("/export")).AsTask().WaitAsync(Timeout);
        var mounted = (await _mount.DumpAsync().AsTask().WaitAsync(Timeout)).ToArray();
        Assert.That(mounted.Where(m => Encoding.UTF8.GetString(m.MlDirectory.Span) == "/export"), Is.Empty);
    }

    [Test]
    public async Task Pathconf_reports_posix_limits()
    {
        var root = await MountRoot();
        var result = await _nfs.PathconfAsync(new Pathconf3Args { Object = root }).AsTask().WaitAsync(Timeout);
        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That((result.Resok.NameMax, result.Resok.NoTrunc, result.Resok.ChownRestricted), Is.EqualTo((255u, true, true)));
    }

    [Test]
    public async Task Readdir_in_small_pages_lists_every_entry_once()
    {
        string dir = UniqueName("readdir");
        using (var libnfs = LibNfsMount.Connect(Server.Port))
        {
            libnfs.Check(libnfs.Mkdir(dir), "mkdir");
            for (int i = 0; i < 200; i++)
                libnfs.WriteFile($"{dir}/n{i:D3}", ReadOnlySpan<byte>.Empty);
        }
        var root = await MountRoot();
        var lookup = await _nfs.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = root, Name = Encoding.UTF8.GetBytes(dir[1..]) } }).AsTask().WaitAsync(Timeout);
        Assert.That(lookup.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var handle = new NfsFh3 { Data = lookup.Resok.Object.Data.ToArray() };

        var names = new List<string>();
        ulong cookie = 0;
        byte[] verifier = new byte[8];
        for (int page = 0; page < 1000; page++)
        {
            var result = await _nfs.ReaddirAsync(new Readdir3Args { Dir = handle, Cookie = cookie, Cookieverf = verifier, Count = 1024 }).AsTask().WaitAsync(Timeout);
            Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
            foreach (var entry in result.Resok.Reply.Entries)
            {
                names.Add(Encoding.UTF8.GetString(entry.Name.Span));
                cookie = entry.Cookie;
            }
            verifier = result.Resok.Cookieverf.ToArray();
            if (result.Resok.Reply.Eof)
                break;
        }
        Assert.That(names.Where(n => n.StartsWith('n')), Is.EquivalentTo(Enumerable.Range(0, 200).Select(i => $"n{i:D3}")));
        Assert.That(names.Count(n => n == "."), Is.EqualTo(1));
    }
}
