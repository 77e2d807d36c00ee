using DittoFs.Tests;
using DittoFs.Nfs.Tests.Support;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using DittoFs.Vfs;

namespace DittoFs.Nfs.Tests;

/// <summary>
/// The hot path allocates nothing in steady state once the RPC layer reuses its call contexts (DESIGN.md). An
/// allocation count over many calls with the in-memory stores, which complete synchronously; not a timing.
/// </summary>
public class AllocationTests
{
    [SetUp]
    public void RequireOptimizedBuild() => Allocations.RequireOptimisedBuild(typeof(NfsService).Assembly);

    private static async Task<(Server Server, NfsFh3 File, RpcCallContext Context)> Setup()
    {
        // The stores themselves, unwrapped: test doubles that count calls would allocate.
        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore(), rootMode: 0x1FF), TestServer.OpenExport);
        var server = new Server(new NfsService(new ShareTable(share), new NfsServerOptions(), NullLogger<NfsService>.Instance), new NfsFh3 { Data = share.RootHandle });
        var created = await server.Nfs.CreateAsync(new Create3Args { Where = TestServer.Where(server.Root, "file") }, Callers.Root());
        var file = TestServer.Copy(created.Resok.Obj.Handle);
        await server.Nfs.WriteAsync(new Write3Args { File = file, Count = 65536, Data = new byte[65536] }, Callers.Root());
        for (int i = 0; i < 20; i++)
        {
            await server.Nfs.CreateAsync(new Create3Args { Where = TestServer.Where(server.Root, $"entry-{i}") }, Callers.Root());
        }
        return (server, file, Callers.User(1000, 100, groups: [100, 200]));
    }

    private sealed record Server(NfsService Nfs, NfsFh3 Root);

    [Test]
    public async Task GETATTR_allocates_nothing()
    {
        var (server, file, context) = await Setup();
        var arguments = new Getattr3Args { Object = file };

        long bytes = Allocations.Of(() => server.Nfs.GetattrAsync(arguments, context).GetAwaiter().GetResult());

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public async Task READ_of_64_KiB_allocates_nothing()
    {
        var (server, file, context) = await Setup();
        var arguments = new Read3Args { File = file, Offset = 0, Count = 65536 };

        long bytes = Allocations.Of(() => server.Nfs.ReadAsync(arguments, context).GetAwaiter().GetResult());

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public async Task Unstable_WRITE_of_64_KiB_allocates_nothing()
    {
        var (server, file, context) = await Setup();
        var arguments = new Write3Args { File = file, Offset = 0, Count = 65536, Stable = StableHow.Unstable, Data = new byte[65536] };

        long bytes = Allocations.Of(() => server.Nfs.WriteAsync(arguments, context).GetAwaiter().GetResult());

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public async Task LOOKUP_allocates_nothing()
    {
        var (server, _, context) = await Setup();
        var arguments = new Lookup3Args { What = TestServer.Where(server.Root, "file") };

        long bytes = Allocations.Of(() => server.Nfs.LookupAsync(arguments, context).GetAwaiter().GetResult());

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public async Task READDIRPLUS_allocates_nothing()
    {
        var (server, _, context) = await Setup();
        var arguments = new Readdirplus3Args { Dir = server.Root, Dircount = 8192, Maxcount = 32768 };

        long bytes = Allocations.Of(() => server.Nfs.ReaddirplusAsync(arguments, context).GetAwaiter().GetResult());

        Assert.That(bytes, Is.Zero);
    }
}
