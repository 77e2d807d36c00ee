using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Server.Metrics;
using DittoFs.Xdr;

namespace DittoFs.Server.Tests.Metrics;

public sealed class MeteredProgramTests
{
    private DittoMetrics _metrics = null!;
    private RecordedMeasurements _recorded = null!;

    [SetUp]
    public void Create()
    {
        _metrics = new DittoMetrics();
        _recorded = new RecordedMeasurements(_metrics.Meter);
    }

    [TearDown]
    public void Dispose()
    {
        _recorded.Dispose();
        _metrics.Dispose();
    }

    private MeteredProgram Meter(ScriptedProgram program) => new(program, _metrics, MetricTags.Mount);

    private static async Task<XdrDispatchResult> DispatchAsync(MeteredProgram program)
    {
        using var results = new XdrBufferWriter();
        return await program.DispatchAsync((uint)MountV3Procedure.Export, ReadOnlyMemory<byte>.Empty, new RpcCallContext(), results);
    }

    [Test]
    public async Task A_call_is_in_flight_from_dispatch_until_it_completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var program = Meter(new ScriptedProgram { Gate = gate.Task });

        var running = DispatchAsync(program);
        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=mount"), Is.EqualTo(1));
        gate.SetResult();

        Assert.That(await running, Is.EqualTo(XdrDispatchResult.Success));
        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=mount"), Is.EqualTo(0));
    }

    [Test]
    public async Task A_call_that_completes_at_once_leaves_flight_at_once()
    {
        var program = Meter(new ScriptedProgram { Result = XdrDispatchResult.GarbageArguments });

        Assert.That(await DispatchAsync(program), Is.EqualTo(XdrDispatchResult.GarbageArguments));

        Assert.That(_recorded.Of("dittofs.rpc.in_flight_requests", "program=mount").Select(m => m.Value), Is.EqualTo(new[] { 1.0, -1.0 }));
    }

    [Test]
    public async Task A_call_that_throws_leaves_flight_all_the_same()
    {
        var program = Meter(new ScriptedProgram { Failure = new InvalidOperationException("store broke") });

        await Assert.ThrowsAsync<InvalidOperationException>(() => DispatchAsync(program));

        Assert.That(_recorded.Sum("dittofs.rpc.in_flight_requests", "program=mount"), Is.EqualTo(0));
    }

    /// <summary>A MOUNT "dispatcher" that answers now or after a gate opens, or throws.</summary>
    private sealed class ScriptedProgram : IXdrProgram<RpcCallContext>
    {
        public XdrDispatchResult Result { get; init; } = XdrDispatchResult.Success;
        public Task? Gate { get; init; }
        public Exception? Failure { get; init; }

        public uint Program => MountV3Program.Program;
        public uint Version => MountV3Program.Version;

        public ValueTask<XdrDispatchResult> DispatchAsync(uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context, XdrBufferWriter results)
        {
            if (Failure is not null)
                throw Failure;
            return Gate is null ? new(Result) : AfterGateAsync();
        }

        private async ValueTask<XdrDispatchResult> AfterGateAsync()
        {
            await Gate!;
            return Result;
        }
    }
}
