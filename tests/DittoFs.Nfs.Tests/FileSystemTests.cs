using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests;

/// <summary>FSSTAT (RFC 1813 §3.3.18), FSINFO (§3.3.19), PATHCONF (§3.3.20), NULL (§3.3.0).</summary>
public class FileSystemTests
{
    [Test]
    public async Task FSSTAT_reports_space_and_file_slots_of_the_stores()
    {
        var server = await TestServer.StartAsync();
        var before = await server.Nfs.FsstatAsync(new Fsstat3Args { Fsroot = server.Root }, Callers.Root());
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.WriteAsync(file, 0, new byte[100_000]);

        var after = await server.Nfs.FsstatAsync(new Fsstat3Args { Fsroot = server.Root }, Callers.Root());

        Assert.That(after.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        Assert.That(after.Resok.ObjAttributes.AttributesFollow, Is.True);
        Assert.That(after.Resok.Tbytes.Value, Is.EqualTo(1UL << 30));
        Assert.That(after.Resok.Fbytes.Value, Is.LessThan(before.Resok.Fbytes.Value));
        Assert.That(after.Resok.Abytes.Value, Is.LessThanOrEqualTo(after.Resok.Fbytes.Value));
        Assert.That(after.Resok.Ffiles.Value, Is.EqualTo(before.Resok.Ffiles.Value - 1));
        Assert.That(after.Resok.Invarsec, Is.Zero);
    }

    [Test]
    public async Task FSINFO_advertises_1_MiB_transfers_1_ns_times_and_the_supported_features()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.FsinfoAsync(new Fsinfo3Args { Fsroot = server.Root }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var info = result.Resok;
        Assert.That((info.Rtmax, info.Rtpref, info.Rtmult), Is.EqualTo((1u << 20, 1u << 20, 4096u)));
        Assert.That((info.Wtmax, info.Wtpref, info.Wtmult), Is.EqualTo((1u << 20, 1u << 20, 4096u)));
        Assert.That(info.Dtpref, Is.EqualTo(65536));
        Assert.That(info.Maxfilesize.Value, Is.EqualTo((ulong)long.MaxValue));
        Assert.That(info.TimeDelta, Is.EqualTo(new Nfstime3 { Seconds = 0, Nseconds = 1 }));
        Assert.That(info.Properties, Is.EqualTo(0x1 | 0x2 | 0x8 | 0x10)); // LINK | SYMLINK | HOMOGENEOUS | CANSETTIME
        Assert.That(info.ObjAttributes.AttributesFollow, Is.True);
    }

    [Test]
    public async Task FSINFO_follows_the_configured_transfer_sizes()
    {
        var server = await TestServer.StartAsync(options: new NfsServerOptions { MaxTransferSize = 262144, PreferredTransferSize = 65536, PreferredDirectoryReadSize = 8192 });

        var info = (await server.Nfs.FsinfoAsync(new Fsinfo3Args { Fsroot = server.Root }, Callers.Root())).Resok;

        Assert.That((info.Rtmax, info.Rtpref, info.Wtmax, info.Wtpref, info.Dtpref), Is.EqualTo((262144u, 65536u, 262144u, 65536u, 8192u)));
    }

    [Test]
    public async Task PATHCONF_reports_the_POSIX_limits()
    {
        var server = await TestServer.StartAsync();

        var result = await server.Nfs.PathconfAsync(new Pathconf3Args { Object = server.Root }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3Ok));
        var conf = result.Resok;
        Assert.That(conf.Linkmax, Is.EqualTo(65000));
        Assert.That(conf.NameMax, Is.EqualTo(255));
        Assert.That((conf.NoTrunc, conf.ChownRestricted, conf.CaseInsensitive, conf.CasePreserving), Is.EqualTo((true, true, false, true)));
    }

    [Test]
    public async Task FSSTAT_of_a_stale_handle_is_STALE()
    {
        var server = await TestServer.StartAsync();
        var file = await server.CreateFileAsync(server.Root, "file");
        await server.Nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(server.Root, "file") }, Callers.Root());

        var result = await server.Nfs.FsstatAsync(new Fsstat3Args { Fsroot = file }, Callers.Root());

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
    }

    [Test]
    public async Task NULL_answers()
    {
        var server = await TestServer.StartAsync();

        var pending = server.Nfs.NullAsync(Callers.AuthNone());

        Assert.That(pending.IsCompletedSuccessfully, Is.True);
        await pending;
    }

    [Test]
    public void Transfer_sizes_are_validated()
    {
        var shares = new ShareTable();
        Assert.Throws<ArgumentException>(() => new NfsService(shares, new NfsServerOptions { MaxTransferSize = 1 << 20, PreferredTransferSize = 2 << 20 },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<NfsService>.Instance));
    }
}
