namespace DittoFs.Rpc;

/// <summary>
/// Finished calls kept for reuse, shared by the connections of one server. Bounded: each pooled call keeps
/// its reply buffer and the buffer of its reply's data (each sized by the largest it needed, a READ's data),
/// so the bound caps the memory held while idle.
/// Beyond it, returned calls release their buffers and are left to the GC.
/// </summary>
internal sealed class RpcCallPool
{
    private readonly RpcCall[] _items;
    private readonly Lock _lock = new();
    private int _count;

    public RpcCallPool(int capacity) => _items = new RpcCall[capacity];

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
                _items[_count++] = call;
                return;
            }
        }
        call.Dispose();
    }
}
