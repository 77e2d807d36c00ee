using System.Net;
using System.Net.Sockets;
using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Metrics;
using DittoFs.Storage;
using DittoFs.Storage.Memory;
using DittoFs.Xdr;
using DittoFs.Vfs;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>
/// Recording a call, a metered NFS dispatch and a store answer allocates nothing once each label combination has
/// been seen, with the real exporter pipeline (OpenTelemetry SDK) listening. Counts bytes, not time.
/// </summary>
[NonParallelizable]
public sealed class HotPathAllocationTests
{
    private const int Iterations = 2000;
    private ServerMetrics _metrics = null!;

    [SetUp]
    public void Start() => _metrics = ServerMetrics.Start(FreePort());

    [TearDown]
    public void Stop() => _metrics.Dispose();

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long AllocatedBy(Action action)
    {
        for (int i = 0; i < 100; i++)
            action(); // first sight of each series allocates its aggregation state
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
            action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void Recording_a_completed_call_allocates_nothing()
    {
        var observer = _metrics.Observer;
        var duration = TimeSpan.FromMicroseconds(80);

        Assert.That(AllocatedBy(() => observer.CallCompleted(100003, 3, 1, RpcCallStatus.Success, duration)), Is.Zero);
    }

    [Test]
    public async Task A_metered_nfs_read_allocates_nothing()
    {
        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore()));
        var reply = NfsWireTests.ReadReply(4096);
        var program = _metrics.Meter([new PreparedReplyProgram(reply)], new ShareTable(share))[0];
        var arguments = NfsWireTests.Encode(new Read3Args { File = new NfsFh3 { Data = share.RootHandle }, Count = 4096 });
        var context = new RpcCallContext();
        using var results = new XdrBufferWriter();

        void Dispatch()
        {
            results.Clear();
            program.DispatchAsync((uint)NfsV3Procedure.Read, arguments, context, results).GetAwaiter().GetResult();
        }

        Assert.That(AllocatedBy(Dispatch), Is.Zero);
    }

    [Test]
    public void A_metered_store_call_allocates_nothing_whether_it_failed_or_not()
    {
        var store = _metrics.Meter(new AnsweringContentStore(), "content", "memory");
        var content = new ContentId((UInt128)1);

        void Call()
        {
            store.TruncateAsync(content, 0).GetAwaiter().GetResult();
            store.FlushAsync(content).GetAwaiter().GetResult();
        }

        Assert.That(AllocatedBy(Call), Is.Zero);
    }

    private sealed class PreparedReplyProgram(byte[] reply) : IXdrProgram<RpcCallContext>
    {
        public uint Program => NfsV3Program.Program;
        public uint Version => NfsV3Program.Version;

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            reply.CopyTo(results.GetSpan(reply.Length));
            results.Advance(reply.Length);
            return new(XdrDispatchResult.Success);
        }
    }

    /// <summary>Truncate succeeds, flush fails with I/O: both paths of the error meter.</summary>
    private sealed class AnsweringContentStore : IContentStore
    {
        public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) => new(0);
        public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => new(StoreStatus.Ok);
        public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default) => new(StoreStatus.Ok);
        public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) => new(StoreStatus.Ok);
        public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) => new(StoreStatus.Io);
        public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) => new(default(SpaceStats));
    }
}
