using System.Buffers;
using System.Runtime.CompilerServices;
using DittoFs.Rpc;
using DittoFs.Vfs;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// Memory a reply points into: READ data and READDIR entry arrays. (File handles and verifiers need none: they are
/// values held in the reply itself.) A generated dispatcher encodes a service's result only after the service's task
/// completes, so nothing the result references can be returned to a pool inside the call. Ownership therefore
/// follows the call's <see cref="RpcCallContext"/>: the RPC layer reuses a context only once its call has been
/// answered, so the next <see cref="Begin"/> on the same context is the first moment the previous reply's memory is
/// free, and it is returned to the pools there. The scratch lives in the context's
/// <see cref="RpcCallContext.ServiceState"/> slot, so finding it is a field read. In steady state (contexts reused)
/// a call allocates nothing. Consequence for callers outside the RPC layer (tests): a result's READ data and
/// directory entries are valid until the next call made with the same context.
/// It also keeps what the call learnt that others outside the service want to know (<see cref="Share"/>, for metrics).
/// </summary>
internal sealed class CallScratch
{
    private byte[]? _data;
    private Array? _entries;
    private Action<Array>? _returnEntries;
    private ReplyReadBuffer? _readBuffer;
    private readonly List<(Array Array, Action<Array> Return)> _rented = [];
    private object?[] _armPools = [];
    private readonly List<IArmPool> _usedArmPools = [];
    private static int s_armTypes;
    private byte[]? _bytes;
    private int _bytesUsed;

    /// <summary>
    /// The scratch of <paramref name="context"/>, emptied for a new call. Once per call, before anything is
    /// recorded or taken: <see cref="NfsService"/> begins a call where it resolves the call's first file handle.
    /// </summary>
    public static CallScratch Begin(RpcCallContext context)
    {
        if (context.ServiceState is not CallScratch scratch)
        {
            scratch = new CallScratch();
            context.ServiceState = scratch;
        }
        scratch.Reset();
        return scratch;
    }

    /// <summary>The scratch of the call running on <paramref name="context"/>, which <see cref="Begin"/> began.</summary>
    public static CallScratch Of(RpcCallContext context) =>
        context.ServiceState as CallScratch ?? throw new InvalidOperationException("The call has not begun: no file handle was resolved.");

    /// <summary>
    /// The share the call's first file handle names, whether or not the share admitted the caller; null for a handle
    /// that names no exported share (malformed, foreign, or of a share no longer exported).
    /// </summary>
    public Share? Share { get; set; }

    /// <summary>
    /// Where this call's READ data goes (one per call): through the RPC server, into the reply's out-of-line data
    /// (<see cref="ReplyData"/>: a buffer the reply owns, or, from <paramref name="minLent"/> bytes up, bytes a store
    /// lends, sent from where they lie); called directly (no RPC server), into a pooled buffer of the call.
    /// </summary>
    public ReplyReadBuffer ReadBuffer(ReplyData? reply, int minLent)
    {
        _readBuffer ??= new ReplyReadBuffer(this);
        _readBuffer.Begin(reply, minLent);
        return _readBuffer;
    }

    private Memory<byte> Data(int length)
    {
        if (_data is not null)
        {
            throw new InvalidOperationException("One data buffer per call.");
        }
        _data = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        return _data.AsMemory(0, length);
    }

    /// <summary>A pooled array of at least <paramref name="minimumLength"/> elements for a reply's list (one per call).</summary>
    public T[] Entries<T>(int minimumLength)
    {
        if (_entries is not null)
        {
            throw new InvalidOperationException("One entry array per call.");
        }
        var entries = ArrayPool<T>.Shared.Rent(minimumLength);
        _entries = entries;
        // Entries hold slices of other memory (names): cleared so the pool does not keep that alive.
        _returnEntries = static array => ArrayPool<T>.Shared.Return((T[])array, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        return entries;
    }

    /// <summary>
    /// A pooled array of at least <paramref name="minimumLength"/> elements for a reply to point into, returned when the
    /// next call on the context begins (any number per call: NFSv4's results, attribute masks and values).
    /// </summary>
    public T[] Rent<T>(int minimumLength)
    {
        var array = ArrayPool<T>.Shared.Rent(minimumLength);
        _rented.Add((array, static array => ArrayPool<T>.Shared.Return((T[])array, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>())));
        return array;
    }

    /// <summary>
    /// <paramref name="length"/> bytes for a reply to point into (NFSv4 attribute values), carved from pooled blocks of the
    /// call, so many small values cost no array each.
    /// </summary>
    public Memory<byte> Bytes(int length)
    {
        if (_bytes is null || _bytes.Length - _bytesUsed < length)
        {
            _bytes = Rent<byte>(Math.Max(length, 4096));
            _bytesUsed = 0;
        }
        var bytes = _bytes.AsMemory(_bytesUsed, length);
        _bytesUsed += length;
        return bytes;
    }

    /// <summary>
    /// A box holding <paramref name="value"/> for a wide union's arm (NFSv4's results): one of the context's boxes of that
    /// type, reused from call to call, so building a result allocates nothing once the context has seen such a result.
    /// </summary>
    public XdrArm<T> Arm<T>(in T value)
    {
        int index = ArmType<T>.Index;
        if (index >= _armPools.Length)
        {
            Array.Resize(ref _armPools, Math.Max(index + 1, _armPools.Length * 2));
        }
        var pool = (ArmPool<T>)(_armPools[index] ??= new ArmPool<T>());
        if (pool.Used == 0)
        {
            _usedArmPools.Add(pool);
        }
        return pool.Next(value);
    }

    /// <summary>The NFSv4 COMPOUND state kept with the context (<see cref="Nfs4Service"/> begins it each call).</summary>
    public Nfs4Call? Nfs4 { get; set; }

    /// <summary>Replaces the entry array with a larger one, keeping its first <paramref name="count"/> elements.</summary>
    public T[] GrowEntries<T>(T[] entries, int count)
    {
        if (!ReferenceEquals(entries, _entries))
        {
            throw new InvalidOperationException("Not this call's entry array.");
        }
        var larger = ArrayPool<T>.Shared.Rent(entries.Length * 2);
        entries.AsSpan(0, count).CopyTo(larger);
        ArrayPool<T>.Shared.Return(entries, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        _entries = larger;
        return larger;
    }

    private void Reset()
    {
        Share = null;
        _readBuffer?.Begin(null, 0);
        if (_data is not null)
        {
            ArrayPool<byte>.Shared.Return(_data);
            _data = null;
        }
        if (_entries is not null)
        {
            _returnEntries!(_entries);
            _entries = null;
        }
        foreach (var (array, returnArray) in _rented)
        {
            returnArray(array);
        }
        _rented.Clear();
        _bytes = null;
        foreach (var pool in _usedArmPools)
        {
            pool.Reset();
        }
        _usedArmPools.Clear();
    }

    /// <summary>A number per box type, so the boxes of each type are found by index (no dictionary on the hot path).</summary>
    private static class ArmType<T>
    {
        public static readonly int Index = Interlocked.Increment(ref s_armTypes) - 1;
    }

    private interface IArmPool
    {
        void Reset();
    }

    /// <summary>The boxes of one type: the first <see cref="Used"/> hold this call's values.</summary>
    private sealed class ArmPool<T> : IArmPool
    {
        private XdrArm<T>[] _arms = new XdrArm<T>[2];

        public int Used { get; private set; }

        public XdrArm<T> Next(in T value)
        {
            if (Used == _arms.Length)
            {
                Array.Resize(ref _arms, _arms.Length * 2);
            }
            var arm = _arms[Used++] ??= new XdrArm<T>();
            arm.Value = value;
            return arm;
        }

        /// <summary>Empties the boxes (their values point into memory of the answered call) for the next call.</summary>
        public void Reset()
        {
            for (int i = 0; i < Used; i++)
            {
                _arms[i].Value = default!;
            }
            Used = 0;
        }
    }

    /// <summary>The <see cref="IReadBuffer"/> of <see cref="ReadBuffer"/>; <see cref="Data"/> is what the reply carries.</summary>
    internal sealed class ReplyReadBuffer(CallScratch scratch) : IReplyReadBuffer
    {
        private ReplyData? _reply;
        private int _minLent;
        private ReadOnlyMemory<byte> _copied;

        /// <summary>The data of the READ reply, for its result.</summary>
        public ReadOnlyMemory<byte> Data => _reply is { } reply ? reply.Opaque : _copied;

        public void Begin(ReplyData? reply, int minLent)
        {
            _reply = reply;
            _minLent = minLent;
            _copied = default;
        }

        public bool Borrows(int length) => _reply is not null && length >= _minLent;

        public Memory<byte> Allocate(int length)
        {
            if (_reply is { } reply)
            {
                return reply.Buffer(length);
            }
            var memory = scratch.Data(length);
            _copied = memory;
            return memory;
        }

        public void Borrow(ReadOnlyMemory<byte> bytes) => _reply!.Add(bytes);

        public void Hold(IDisposable loan) => _reply!.Hold(loan);

        /// <summary>After a failed read: forgets what was read or lent (returning the loans).</summary>
        public void Drop()
        {
            _reply?.Drop();
            _copied = default;
        }
    }
}

/// <summary>Where a READ's bytes go, and what the reply then carries as its data.</summary>
internal interface IReplyReadBuffer : IReadBuffer
{
    /// <summary>The data read, for the READ's result.</summary>
    ReadOnlyMemory<byte> Data { get; }

    /// <summary>After a failed read: forgets what was read or lent (returning the loans).</summary>
    void Drop();
}
