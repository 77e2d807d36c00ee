using System.Buffers;
using System.Buffers.Binary;

namespace DittoFs.Rpc;

/// <summary>What <see cref="RecordAssembler.TryAssemble"/> found in the bytes it was given.</summary>
internal enum RecordStatus
{
    /// <summary>All input was consumed and the record is not complete yet.</summary>
    NeedMoreData,
    /// <summary>A whole record is ready: take it with <see cref="RecordAssembler.TakeRecord"/>.</summary>
    Complete,
    /// <summary>A fragment header announced more than the maximum record size: close the connection.</summary>
    TooLarge,
}

/// <summary>
/// Reassembles the fragments of one RPC record (RFC 5531 §11) from a byte stream into a buffer rented from
/// <see cref="RecordBuffers"/>. Bytes are copied out of the receive buffer as they arrive, so the
/// receive side never has to hold a whole record. The buffer grows with the bytes actually received (at
/// most doubling), never to what a header merely claims, so a peer that announces a large fragment and
/// sends nothing costs nothing. A record, or a fragment header, beyond the maximum size ends the stream:
/// the rest of it cannot be skipped reliably without reading it, and a well-behaved peer never sends one.
/// </summary>
internal sealed class RecordAssembler : IDisposable
{
    private readonly int _maxRecordSize;
    private byte[]? _buffer;
    private int _length;
    private int _fragmentRemaining;
    private bool _inFragment;
    private bool _lastFragment;

    public RecordAssembler(int maxRecordSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordSize, 1);
        _maxRecordSize = maxRecordSize;
    }

    /// <summary>The size of the buffer holding the record so far (what a partial record costs).</summary>
    public int Capacity => _buffer?.Length ?? 0;

    /// <summary>
    /// Consumes bytes from <paramref name="input"/> (which is advanced past them) until one record is
    /// complete or the input runs out. Bytes after a complete record are left in <paramref name="input"/>.
    /// </summary>
    public RecordStatus TryAssemble(ref ReadOnlySequence<byte> input)
    {
        Span<byte> header = stackalloc byte[RecordMark.Length];
        while (true)
        {
            if (!_inFragment)
            {
                if (input.Length < RecordMark.Length)
                    return RecordStatus.NeedMoreData;
                input.Slice(0, RecordMark.Length).CopyTo(header);
                input = input.Slice(RecordMark.Length);
                var (fragmentLength, last) = RecordMark.Decode(BinaryPrimitives.ReadUInt32BigEndian(header));
                if ((long)_length + fragmentLength > _maxRecordSize)
                    return RecordStatus.TooLarge;
                _fragmentRemaining = fragmentLength;
                _lastFragment = last;
                _inFragment = true;
            }

            int available = (int)Math.Min(_fragmentRemaining, input.Length);
            if (available > 0)
            {
                EnsureCapacity(_length + available);
                input.Slice(0, available).CopyTo(_buffer.AsSpan(_length));
                input = input.Slice(available);
                _length += available;
                _fragmentRemaining -= available;
            }
            if (_fragmentRemaining > 0)
                return RecordStatus.NeedMoreData;

            _inFragment = false;
            if (_lastFragment)
                return RecordStatus.Complete;
        }
    }

    /// <summary>Bytes of the current fragment not received yet; 0 between fragments.</summary>
    public int FragmentRemaining => _inFragment ? _fragmentRemaining : 0;

    /// <summary>
    /// Where the next bytes of the current fragment go, straight in the record buffer: a large fragment is then
    /// received from the socket into its record (<see cref="Received"/>) instead of through a receive buffer and a
    /// copy. The buffer grows with what has <paramref name="arrived"/> (bytes the kernel already holds), never
    /// with what the header merely announces, except that once a quarter of the rest is there it grows to hold all
    /// of it: one growth per large fragment instead of a series, each a different pool size, while a peer that
    /// stops sending still pins at most four times what it sent.
    /// </summary>
    public Memory<byte> FragmentTail(int arrived)
    {
        int room = arrived >= _fragmentRemaining / 4 ? _fragmentRemaining : Math.Max(arrived, 1);
        EnsureCapacity(_length + room);
        return _buffer.AsMemory(_length, Math.Min(_fragmentRemaining, _buffer!.Length - _length));
    }

    /// <summary>Accounts for <paramref name="count"/> bytes received into <see cref="FragmentTail"/>.</summary>
    public RecordStatus Received(int count)
    {
        _length += count;
        _fragmentRemaining -= count;
        if (_fragmentRemaining > 0)
            return RecordStatus.NeedMoreData;
        _inFragment = false;
        return _lastFragment ? RecordStatus.Complete : RecordStatus.NeedMoreData;
    }

    /// <summary>
    /// Hands over the completed record: the caller owns the returned array (rent size, not record size) and
    /// gives it back with <see cref="ReturnRecord"/>. An empty record comes back as an empty array.
    /// </summary>
    public byte[] TakeRecord(out int length)
    {
        var record = _buffer ?? [];
        length = _length;
        _buffer = null;
        _length = 0;
        _lastFragment = false;
        return record;
    }

    /// <summary>Gives a record from <see cref="TakeRecord"/> back to the pool.</summary>
    public static void ReturnRecord(byte[] record)
    {
        if (record.Length > 0)
            RecordBuffers.Return(record);
    }

    private void EnsureCapacity(int needed)
    {
        int capacity = _buffer?.Length ?? 0;
        if (capacity >= needed)
            return;
        // Grow geometrically within what the headers seen so far announce, so a large fragment that arrives
        // in many pieces is copied O(log n) times and a header alone never reserves its claimed size.
        int announced = _length + _fragmentRemaining;
        int target = (int)Math.Min(announced, Math.Max(needed, 2L * capacity));
        var larger = RecordBuffers.Rent(target);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(larger);
            RecordBuffers.Return(_buffer);
        }
        _buffer = larger;
    }

    /// <summary>Returns the buffer of a record left incomplete (the stream ended or was closed).</summary>
    public void Dispose()
    {
        if (_buffer is not null)
            RecordBuffers.Return(_buffer);
        _buffer = null;
        _length = 0;
    }
}
