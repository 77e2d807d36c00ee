using System.Net;
using System.Text;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Metrics;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Vfs;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>
/// The metered NFS service over the real one: what it counts comes from the service's typed results and from the
/// share the service resolved the call's handle to.
/// </summary>
public sealed class MeteredNfsServiceTests
{
    private static readonly IPEndPoint AllowedClient = new(IPAddress.Loopback, 800);
    private static readonly IPEndPoint RefusedClient = new(IPAddress.Parse("192.0.2.7"), 800);

    private DittoMetrics _metrics = null!;
    private RecordedMeasurements _recorded = null!;
    private GatedContentStore _content = null!;
    private INfsV3<RpcCallContext> _nfs = null!;
    private NfsFh3 _root;

    [SetUp]
    public async Task Create()
    {
        _metrics = new DittoMetrics();
        _recorded = new RecordedMeasurements(_metrics.Meter);
        _content = new GatedContentStore();
        var options = new ExportOptions { RootSquash = false, AllowedClients = [IPNetwork.Parse("127.0.0.0/8")] };
        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), _content, rootMode: 0x1FF), options);
        var shares = new ShareTable(share);
        _nfs = new MeteredNfsService(new NfsService(shares, new NfsServerOptions(), NullLogger<NfsService>.Instance), _metrics, new ShareTags(shares));
        _root = new NfsFh3 { Data = share.RootHandle };
    }

    [TearDown]
    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    private static RpcCallContext Caller(IPEndPoint? client = null) => new() { Client = client ?? AllowedClient, AuthFlavor = 1 };

    private async Task<NfsFh3> CreateFileAsync(string name, int size)
    {
        var created = await _nfs.CreateAsync(new Create3Args { Where = new Diropargs3 { Dir = _root, Name = Encoding.UTF8.GetBytes(name) } }, Caller());
        var file = new NfsFh3 { Data = created.Resok.Obj.Handle.Data.ToArray() };
        if (size > 0)
            await _nfs.WriteAsync(new Write3Args { File = file, Count = (uint)size, Stable = StableHow.FileSync, Data = new byte[size] }, Caller());
        return file;
    }

    [Test]
    public async Task A_successful_read_counts_an_operation_of_its_share_and_the_bytes_it_returned()
    {
        var file = await CreateFileAsync("file", 1000);

        var result = await _nfs.ReadAsync(new Read3Args { File = file, Count = 4096 }, Caller());

        Assert.That(result.Resok.Count.Value, Is.EqualTo(1000));
        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=READ", "status=NFS3_OK"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.nfs.read", "share=/export"), Is.EqualTo(1000));
    }

    [Test]
    public async Task A_successful_write_counts_the_bytes_it_took()
    {
        var file = await CreateFileAsync("file", 0);

        await _nfs.WriteAsync(new Write3Args { File = file, Count = 4096, Data = new byte[4096] }, Caller());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=WRITE", "status=NFS3_OK"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.nfs.write", "share=/export"), Is.EqualTo(4096));
        Assert.That(_recorded.Of("dittofs.nfs.read"), Is.Empty);
    }

    [Test]
    public async Task A_failed_call_counts_its_nfsstat3_and_no_bytes()
    {
        await _nfs.ReadAsync(new Read3Args { File = _root, Count = 4096 }, Caller());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=READ", "status=NFS3ERR_ISDIR"), Is.EqualTo(1));
        Assert.That(_recorded.Of("dittofs.nfs.read"), Is.Empty);
    }

    [Test]
    public async Task A_call_the_share_refuses_counts_against_the_share_its_handle_names()
    {
        await _nfs.GetattrAsync(new Getattr3Args { Object = _root }, Caller(RefusedClient));

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=GETATTR", "status=NFS3ERR_ACCES"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_handle_of_no_exported_share_counts_under_share_none()
    {
        var foreign = new NfsFh3 { Data = new FileHandle(0xDEAD, 5, 1).ToOpaque() };

        await _nfs.GetattrAsync(new Getattr3Args { Object = foreign }, Caller());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=none", "procedure=GETATTR", "status=NFS3ERR_STALE"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_handle_this_server_cannot_have_made_counts_under_share_none()
    {
        await _nfs.AccessAsync(new Access3Args { Object = new NfsFh3 { Data = new byte[32] } }, Caller());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=none", "procedure=ACCESS", "status=NFS3ERR_BADHANDLE"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_call_does_not_take_the_share_of_the_previous_call_on_its_context()
    {
        var context = Caller();
        await _nfs.GetattrAsync(new Getattr3Args { Object = _root }, context);

        await _nfs.GetattrAsync(new Getattr3Args { Object = new NfsFh3 { Data = new FileHandle(0xDEAD, 5, 1).ToOpaque() } }, context);

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=GETATTR"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=none", "procedure=GETATTR"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_rename_counts_against_the_share_of_its_first_handle()
    {
        var foreign = new NfsFh3 { Data = new FileHandle(0xDEAD, 5, 1).ToOpaque() };

        await _nfs.RenameAsync(new Rename3Args
        {
            From = new Diropargs3 { Dir = _root, Name = "a"u8.ToArray() },
            To = new Diropargs3 { Dir = foreign, Name = "b"u8.ToArray() },
        }, Caller());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=RENAME", "status=NFS3ERR_STALE"), Is.EqualTo(1));
    }

    [Test]
    public async Task NULL_counts_no_operation()
    {
        await _nfs.NullAsync(Caller());

        Assert.That(_recorded.Of("dittofs.nfs.operations"), Is.Empty);
    }

    [Test]
    public async Task A_call_that_completes_later_is_counted_when_it_completes()
    {
        var file = await CreateFileAsync("file", 10);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _content.Gate = gate.Task;

        var reading = _nfs.ReadAsync(new Read3Args { File = file, Count = 4096 }, Caller()).AsTask();
        Assert.That(_recorded.Of("dittofs.nfs.operations", "procedure=READ"), Is.Empty);
        gate.SetResult();
        await reading;

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=READ", "status=NFS3_OK"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.nfs.read", "share=/export"), Is.EqualTo(10));
    }

    [Test]
    public async Task A_call_that_throws_is_not_counted()
    {
        var file = await CreateFileAsync("file", 10);
        _content.Failure = new InvalidOperationException("store broke");

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await _nfs.ReadAsync(new Read3Args { File = file, Count = 4096 }, Caller()));

        Assert.That(_recorded.Of("dittofs.nfs.operations", "procedure=READ"), Is.Empty);
    }

    /// <summary>The in-memory content store, whose reads can wait for a gate or throw.</summary>
    private sealed class GatedContentStore : IContentStore
    {
        private readonly MemoryContentStore _inner = new();

        public Task? Gate { get; set; }
        public Exception? Failure { get; set; }

        public async ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (Gate is not null)
                await Gate;
            if (Failure is not null)
                throw Failure;
            return await _inner.ReadAsync(content, offset, destination, cancellationToken);
        }

        public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
            _inner.WriteAsync(content, offset, data, cancellationToken);
        public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default) =>
            _inner.TruncateAsync(content, size, cancellationToken);
        public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) =>
            _inner.DeleteAsync(content, cancellationToken);
        public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) =>
            _inner.FlushAsync(content, cancellationToken);
        public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) =>
            _inner.GetStatsAsync(cancellationToken);
    }
}
