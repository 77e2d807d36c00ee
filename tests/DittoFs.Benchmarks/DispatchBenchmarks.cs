using BenchmarkDotNet.Attributes;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Benchmarks;

/// <summary>Whole calls through the generated NFSv3 dispatcher with a service that answers at once.</summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private NfsV3Dispatcher<object?> _dispatcher = null!;
    private XdrBufferWriter _results = null!;
    private byte[] _getattr = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dispatcher = new NfsV3Dispatcher<object?>(new TrivialNfsService());
        _results = new XdrBufferWriter();
        _getattr = XdrCodec.Encode(new Getattr3Args { Object = WireMessages.Handle(1) });
    }

    [GlobalCleanup]
    public void Cleanup() => _results.Dispose();

    [Benchmark]
    public XdrDispatchResult DispatchNull() => Run((uint)NfsV3Procedure.Null, ReadOnlyMemory<byte>.Empty);

    [Benchmark]
    public XdrDispatchResult DispatchGetattr() => Run((uint)NfsV3Procedure.Getattr, _getattr);

    private XdrDispatchResult Run(uint procedure, ReadOnlyMemory<byte> arguments)
    {
        _results.Clear();
        var pending = _dispatcher.DispatchAsync(procedure, arguments, null, _results);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
