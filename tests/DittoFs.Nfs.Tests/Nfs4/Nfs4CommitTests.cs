using System.Text;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>COMMIT (RFC 7530 §16.3, RFC 8881 §18.3).</summary>
public sealed class Nfs4CommitTests : Nfs4Fixture
{
    private static NfsArgop4 Commit(ulong offset = 0, uint count = 0) => NfsArgop4.FromOpcommit(new Commit4Args { Offset = offset, Count = count });

    [Test]
    public async Task COMMIT_of_v3_unstable_writes_answers_the_same_verifier_as_v3_WRITE()
    {
        // RFC 7530 §16.3.4: the verifier is the server instance's, the one WRITE answers.
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var written = await Server.WriteAsync(file, 0, Encoding.UTF8.GetBytes("unstable"));
        var results = await OkAsync(PutFh(file), Commit(0, 0), Commit(4, 4));
        Assert.Multiple(() =>
        {
            Assert.That(results[1].Opcommit.Resok4.Writeverf.Value.ToArray(), Is.EqualTo(written.Verf.ToArray()));
            Assert.That(results[2].Opcommit.Resok4.Writeverf.Value.ToArray(), Is.EqualTo(written.Verf.ToArray()));
        });
    }

    [Test]
    public async Task COMMIT_refuses_what_is_not_a_regular_file_and_ranges_past_2_to_the_64()
    {
        var file = await Server.CreateFileAsync(Server.Root, "f");
        var symlink = await Server.Nfs.SymlinkAsync(new Symlink3Args
        {
            Where = Support.TestServer.Where(Server.Root, "l"),
            Symlink = new Symlinkdata3 { SymlinkData = "f"u8.ToArray() },
        }, Support.Callers.Root());
        var link = Support.TestServer.Copy(symlink.Resok.Obj.Handle);
        var mknod = await Server.Nfs.MknodAsync(new Mknod3Args { Where = Support.TestServer.Where(Server.Root, "p"), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } },
            Support.Callers.Root());
        var fifo = Support.TestServer.Copy(mknod.Resok.Obj.Handle);
        Assert.Multiple(async () =>
        {
            Assert.That((await CompoundAsync(Ops(Export, Commit()))).Status, Is.EqualTo(Nfsstat4.Nfs4errIsdir), "a directory");
            Assert.That((await CompoundAsync(PutRoot, Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errIsdir), "a pseudo directory");
            // RFC 7530 §13.2: COMMIT's errors include ISDIR, SYMLINK and INVAL; RFC 8881 adds WRONG_TYPE for other types.
            Assert.That((await CompoundAsync(0, PutFh(link), Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errSymlink), "4.0: a symbolic link");
            Assert.That((await CompoundAsync(1, PutFh(link), Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errSymlink), "4.1: a symbolic link");
            Assert.That((await CompoundAsync(0, PutFh(fifo), Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errInval), "4.0: another type");
            Assert.That((await CompoundAsync(1, PutFh(fifo), Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errWrongType), "4.1: another type");
            Assert.That((await CompoundAsync(PutFh(file), Commit(ulong.MaxValue, 1))).Status, Is.EqualTo(Nfsstat4.Nfs4errInval), "offset + count past 2^64");
            Assert.That((await CompoundAsync(PutFh(file), Commit(ulong.MaxValue - 1, 1))).Status, Is.EqualTo(Nfsstat4.Nfs4Ok));
            Assert.That((await CompoundAsync(Commit())).Status, Is.EqualTo(Nfsstat4.Nfs4errNofilehandle));
        });
    }

    [Test]
    public async Task COMMIT_needs_the_right_to_write_the_file_as_v3s_does()
    {
        var file = await Server.CreateFileAsync(Server.Root, "f", attributes: Support.Sattr.Mode(0x1A4));
        var result = await CompoundAsync(Nfs4, 1, Support.Callers.User(1000, 1000), PutFh(file), Commit());
        Assert.That(result.Status, Is.EqualTo(Nfsstat4.Nfs4errAccess));
    }
}
