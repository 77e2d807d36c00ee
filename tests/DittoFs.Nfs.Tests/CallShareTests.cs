using System.Net;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// <see cref="NfsService.ShareOf"/>, what metrics count a call against: every procedure but NULL records the share
/// its first handle names as it resolves that handle, refused or not, and nothing is left over from the context's
/// previous call.
/// </summary>
public class CallShareTests
{
    private static readonly NfsFh3 Foreign = new() { Data = new FileHandle(0xDEAD, 5, 1).ToOpaque() };

    private static Task<TestServer> StartAsync() =>
        TestServer.StartAsync(new ExportOptions { RootSquash = false, AllowedClients = [IPNetwork.Parse("127.0.0.0/8")] });

    /// <summary>Each procedure, called with <c>handle</c> as the first handle it opens (LINK's directory; its file too).</summary>
    private static IEnumerable<TestCaseData> Procedures()
    {
        yield return Case("GETATTR", (nfs, handle, context) => nfs.GetattrAsync(new Getattr3Args { Object = handle }, context));
        yield return Case("SETATTR", (nfs, handle, context) => nfs.SetattrAsync(new Setattr3Args { Object = handle }, context));
        yield return Case("LOOKUP", (nfs, handle, context) => nfs.LookupAsync(new Lookup3Args { What = TestServer.Where(handle, "x") }, context));
        yield return Case("ACCESS", (nfs, handle, context) => nfs.AccessAsync(new Access3Args { Object = handle, Access = 1 }, context));
        yield return Case("READLINK", (nfs, handle, context) => nfs.ReadlinkAsync(new Readlink3Args { Symlink = handle }, context));
        yield return Case("READ", (nfs, handle, context) => nfs.ReadAsync(new Read3Args { File = handle, Count = 10 }, context));
        yield return Case("WRITE", (nfs, handle, context) => nfs.WriteAsync(new Write3Args { File = handle, Count = 1, Data = new byte[1] }, context));
        yield return Case("CREATE", (nfs, handle, context) => nfs.CreateAsync(new Create3Args { Where = TestServer.Where(handle, "c") }, context));
        yield return Case("MKDIR", (nfs, handle, context) => nfs.MkdirAsync(new Mkdir3Args { Where = TestServer.Where(handle, "d") }, context));
        yield return Case("SYMLINK", (nfs, handle, context) => nfs.SymlinkAsync(new Symlink3Args { Where = TestServer.Where(handle, "s"), Symlink = new Symlinkdata3 { SymlinkData = "t"u8.ToArray() } }, context));
        yield return Case("MKNOD", (nfs, handle, context) => nfs.MknodAsync(new Mknod3Args { Where = TestServer.Where(handle, "p"), What = new Mknoddata3 { Type = Ftype3.Nf3fifo } }, context));
        yield return Case("REMOVE", (nfs, handle, context) => nfs.RemoveAsync(new Remove3Args { Object = TestServer.Where(handle, "missing") }, context));
        yield return Case("RMDIR", (nfs, handle, context) => nfs.RmdirAsync(new Rmdir3Args { Object = TestServer.Where(handle, "missing") }, context));
        yield return Case("RENAME", (nfs, handle, context) => nfs.RenameAsync(new Rename3Args { From = TestServer.Where(handle, "missing"), To = TestServer.Where(handle, "y") }, context));
        yield return Case("LINK", (nfs, handle, context) => nfs.LinkAsync(new Link3Args { File = handle, Link = TestServer.Where(handle, "l") }, context));
        yield return Case("READDIR", (nfs, handle, context) => nfs.ReaddirAsync(new Readdir3Args { Dir = handle, Count = 4096 }, context));
        yield return Case("READDIRPLUS", (nfs, handle, context) => nfs.ReaddirplusAsync(new Readdirplus3Args { Dir = handle, Dircount = 4096, Maxcount = 8192 }, context));
        yield return Case("FSSTAT", (nfs, handle, context) => nfs.FsstatAsync(new Fsstat3Args { Fsroot = handle }, context));
        yield return Case("FSINFO", (nfs, handle, context) => nfs.FsinfoAsync(new Fsinfo3Args { Fsroot = handle }, context));
        yield return Case("PATHCONF", (nfs, handle, context) => nfs.PathconfAsync(new Pathconf3Args { Object = handle }, context));
        yield return Case("COMMIT", (nfs, handle, context) => nfs.CommitAsync(new Commit3Args { File = handle }, context));
    }

    private static TestCaseData Case<T>(string procedure, Func<NfsService, NfsFh3, RpcCallContext, ValueTask<T>> call) =>
        new TestCaseData(new Func<NfsService, NfsFh3, RpcCallContext, Task>(async (nfs, handle, context) => await call(nfs, handle, context)))
            .SetArgDisplayNames(procedure);

    [TestCaseSource(nameof(Procedures))]
    public async Task A_call_the_share_refuses_names_the_share_of_its_handle(Func<NfsService, NfsFh3, RpcCallContext, Task> call)
    {
        var server = await StartAsync();
        var context = Callers.Root(Callers.Endpoint("192.0.2.7"));

        await call(server.Nfs, server.Root, context);

        Assert.That(NfsService.ShareOf(context), Is.SameAs(server.Share));
    }

    [TestCaseSource(nameof(Procedures))]
    public async Task A_foreign_handle_names_no_share_even_after_a_call_that_named_one(Func<NfsService, NfsFh3, RpcCallContext, Task> call)
    {
        var server = await StartAsync();
        var context = Callers.Root();
        await call(server.Nfs, server.Root, context);
        Assume.That(NfsService.ShareOf(context), Is.SameAs(server.Share));

        await call(server.Nfs, Foreign, context);

        Assert.That(NfsService.ShareOf(context), Is.Null);
    }

    [Test]
    public async Task A_stale_handle_of_an_exported_share_names_that_share()
    {
        var server = await StartAsync();
        var context = Callers.Root();
        var impossibleGeneration = new NfsFh3 { Data = new FileHandle(server.Share.Id, 5, 1UL << 40).ToOpaque() };

        var result = await server.Nfs.GetattrAsync(new Getattr3Args { Object = impossibleGeneration }, context);

        Assert.That(result.Status, Is.EqualTo(Nfsstat3.Nfs3errStale));
        Assert.That(NfsService.ShareOf(context), Is.SameAs(server.Share));
    }
}
