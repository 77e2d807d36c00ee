using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Metrics;
using DittoFs.Storage.Memory;
using DittoFs.Xdr;
using DittoFs.Vfs;

namespace DittoFs.Server.Tests.Metrics;

public sealed class MeteredProgramTests
{
    private DittoMetrics _metrics = null!;
    private RecordedMeasurements _recorded = null!;
    private ShareTable _shares = null!;
    private byte[] _rootHandle = null!;

    [SetUp]
    public async Task Create()
    {
        _metrics = new DittoMetrics();
        _recorded = new RecordedMeasurements(_metrics.Meter);
        var share = new Share("/export", await VirtualFileSystem.OpenAsync("/export", new MemoryMetadataStore(), new MemoryContentStore()));
        _shares = new ShareTable(share);
        _rootHandle = share.RootHandle.ToArray();
    }

    [TearDown]
    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    private MeteredProgram Meter(ScriptedProgram program) => new(program, _metrics, MetricTags.Nfs, new ShareTags(_shares));

    private byte[] ReadArguments(byte[]? handle = null) =>
        NfsWireTests.Encode(new Read3Args { File = new NfsFh3 { Data = handle ?? _rootHandle }, Offset = 0, Count = 1000 });

    /// <summary>Dispatches into a reply buffer that, like the RPC layer's, already holds a reply header.</summary>
    private static async Task<XdrDispatchResult> DispatchAsync(MeteredProgram program, NfsV3Procedure procedure, byte[] arguments)
    {
        using var results = new XdrBufferWriter();
        results.GetSpan(28).Clear();
        results.Advance(28);
        return await program.DispatchAsync((uint)procedure, arguments, new RpcCallContext(), results);
    }

    [Test]
    public async Task A_successful_read_counts_an_operation_of_its_share_and_the_bytes_it_returned()
    {
        var program = Meter(new ScriptedProgram(NfsWireTests.ReadReply(1000)));

        Assert.That(await DispatchAsync(program, NfsV3Procedure.Read, ReadArguments()), Is.EqualTo(XdrDispatchResult.Success));

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=READ", "status=NFS3_OK"), Is.EqualTo(1));
        Assert.That(_recorded.Sum("dittofs.nfs.read", "share=/export"), Is.EqualTo(1000));
    }

    [Test]
    public async Task A_successful_write_counts_the_bytes_it_took()
    {
        var program = Meter(new ScriptedProgram(NfsWireTests.WriteReply(4096)));

        await DispatchAsync(program, NfsV3Procedure.Write, ReadArguments());

        Assert.That(_recorded.Sum("dittofs.nfs.write", "share=/export"), Is.EqualTo(4096));
    }

    [Test]
    public async Task A_failed_call_counts_its_nfsstat3_and_no_bytes()
    {
        var program = Meter(new ScriptedProgram(NfsWireTests.Encode(new Read3Res { Status = Nfsstat3.Nfs3errAcces })));

        await DispatchAsync(program, NfsV3Procedure.Read, ReadArguments());

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=/export", "procedure=READ", "status=NFS3ERR_ACCES"), Is.EqualTo(1));
        Assert.That(_recorded.Of("dittofs.nfs.read"), Is.Empty);
    }

    [Test]
    public async Task A_handle_of_no_exported_share_counts_under_share_none()
    {
        var program = Meter(new ScriptedProgram(NfsWireTests.Encode(new Getattr3Res { Status = Nfsstat3.Nfs3errStale })));

        await DispatchAsync(program, NfsV3Procedure.Getattr, ReadArguments(new FileHandle(0xDEAD, 5, 1).ToArray()));

        Assert.That(_recorded.Sum("dittofs.nfs.operations", "share=none", "procedure=GETATTR", "status=NFS3ERR_STALE"), Is.EqualTo(1));
    }

    [Test]
    public async Task Garbage_arguments_count_no_operation()
    {
        var program = Meter(new ScriptedProgram([]) { Result = XdrDispatchResult.GarbageArguments });

        await DispatchAsync(program, NfsV3Procedure.Read, [1, 2, 3]);

        Assert.That(_recorded.Of("dittofs.nfs.operations"), Is.Empty);
    }

    [Test]
    public async Task A_call_is_in_flight_from_dispatch_until_it_completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var program = Meter(new ScriptedProgram(NfsWireTests.ReadReply(10)) { Gate = gate.Task });

        var running = DispatchAsync(program, NfsV3Procedure.Read, ReadArguments());
        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=nfs"), Is.EqualTo(1));
        gate.SetResult();
        await running;

        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=nfs"), Is.EqualTo(0));
        Assert.That(_recorded.Sum("dittofs.nfs.read", "share=/export"), Is.EqualTo(10), "the reply written after an await is read too");
    }

    [Test]
    public async Task A_call_that_throws_leaves_flight_all_the_same()
    {
        var program = Meter(new ScriptedProgram([]) { Failure = new InvalidOperationException("store broke") });

        await Assert.ThrowsAsync<InvalidOperationException>(() => DispatchAsync(program, NfsV3Procedure.Read, ReadArguments()));

        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=nfs"), Is.EqualTo(0));
    }

    /// <summary>An NFS "dispatcher" that writes a prepared reply, now or after a gate opens, or throws.</summary>
    private sealed class ScriptedProgram(byte[] reply) : IXdrProgram<RpcCallContext>
    {
        public XdrDispatchResult Result { get; init; } = XdrDispatchResult.Success;
        public Task? Gate { get; init; }
        public Exception? Failure { get; init; }

        public uint Program => NfsV3Program.Program;
        public uint Version => NfsV3Program.Version;

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            if (Failure is not null)
                throw Failure;
            if (Gate is null)
            {
                WriteReply(results);
                return new(Result);
            }
            return AfterGateAsync(results);
        }

        private async ValueTask<XdrDispatchResult> AfterGateAsync(XdrBufferWriter results)
        {
            await Gate!;
            WriteReply(results);
            return Result;
        }

        private void WriteReply(XdrBufferWriter results)
        {
            reply.CopyTo(results.GetSpan(reply.Length));
            results.Advance(reply.Length);
        }
    }
}
