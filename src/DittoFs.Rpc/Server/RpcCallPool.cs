namespace DittoFs.Rpc;

/// <summary>
/// Finished calls kept for reuse, shared by the connections (and the UDP socket) of one server, so that a call
/// allocates nothing in steady state.
/// <para>
/// The count kept has to cover the calls in flight at once, not only the cores: with many connections (each up to
/// <see cref="RpcServerOptions.MaxInFlightPerConnection"/> calls) hundreds are in flight, and a pool smaller than that
/// disposed calls as replies left and built new ones (objects and a 4 KiB reply buffer each) as calls arrived, a few
/// KiB of garbage per call. What a kept call costs is bounded instead: beyond <c>largeBufferCalls</c> of them, a
/// returned call gives back buffers it grew past 8 KiB (a large READ's data, a long reply, up to a few MiB each) before
/// it is kept, so idle memory stays at that many large buffers plus at most about 17 KiB per other call (a 4 KiB READ's
/// data and reply buffers are kept: given back, every READ beyond those calls rented them again). Beyond <c>capacity</c>, returned
/// calls release their buffers and are left to the GC.
/// </para>
/// </summary>
internal sealed class RpcCallPool
{
    private readonly RpcCall[] _items;
    private readonly int _largeBufferCalls;
    private readonly Lock _lock = new();
    private int _count;

    public RpcCallPool(int capacity, int largeBufferCalls)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(largeBufferCalls);
        _items = new RpcCall[capacity];
        _largeBufferCalls = largeBufferCalls;
    }

    /// <summary>Calls kept right now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    public RpcCall Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                var call = _items[--_count];
                _items[_count] = null!;
                return call;
            }
        }
        return new RpcCall();
    }

    public void Return(RpcCall call)
    {
        call.Reset();
        lock (_lock)
        {
            if (_count < _items.Length)
            {
                if (_count >= _largeBufferCalls)
                    call.ReleaseLargeBuffers(); // nothing to do unless the call grew a buffer
                _items[_count++] = call;
                return;
            }
        }
        call.Dispose();
    }
}
