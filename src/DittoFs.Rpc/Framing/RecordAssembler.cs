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
    /// <summary>
    /// The record must grow and the <see cref="RecordBudget"/> cannot cover it now: input was consumed up to what the
    /// record buffer holds; wait with <see cref="RecordAssembler.WaitForBudgetAsync"/>, then present the rest again.
    /// </summary>
    NeedBudget,
}

/// <summary>
/// Reassembles the fragments of one RPC record (RFC 5531 §11) from a byte stream into a buffer rented from
/// <see cref="RecordBuffers"/>. Bytes are copied out of the receive buffer as they arrive, so the
/// receive side never has to hold a whole record. The buffer grows with the bytes actually received (at
/// most doubling), never to what a header merely claims, so a peer that announces a large fragment and
/// sends nothing costs nothing. A record, or a fragment header, beyond the maximum size ends the stream:
/// the rest of it cannot be skipped reliably without reading it, and a well-behaved peer never sends one.
/// <para>
/// With a <see cref="RecordBudget"/> (the server's), a record buffer larger than <see cref="FreeBytes"/> is charged to
/// it, whole, before it is rented; a record that cannot grow stops taking input (<see cref="RecordStatus.NeedBudget"/>,
/// an empty <see cref="FragmentTail"/>) until <see cref="WaitForBudgetAsync"/> gets the bytes. Small records (nearly all
/// calls) never touch the budget, so they are served even while it is spent. The charge is given back when the record
/// is taken (<see cref="TakeRecord"/>) or abandoned (<see cref="Dispose"/>).
/// </para>
/// </summary>
internal sealed class RecordAssembler : IDisposable
{
    /// <summary>
    /// A record buffer up to this size is not charged to the budget: every call but a WRITE (or a large COMPOUND) of more
    /// than about 4 KiB fits, and a connection's partial record costs at most this much uncharged.
    /// </summary>
    public const int FreeBytes = 8 * 1024;

    private readonly int _maxRecordSize;
    private readonly RecordBudget? _budget;
    private long _charged;
    private int _wanted;
    private byte[]? _buffer;
    private int _length;
    private int _fragmentRemaining;
    private bool _inFragment;
    private bool _lastFragment;

    public RecordAssembler(int maxRecordSize, RecordBudget? budget = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordSize, 1);
        _maxRecordSize = maxRecordSize;
        _budget = budget;
    }

    /// <summary>Bytes of the budget this record holds now.</summary>
    public long Charged => _charged;

    /// <summary>Whether part of a record (a fragment header at least) has been taken in and the record is not complete.</summary>
    public bool HasPartialRecord => _inFragment || _length > 0;

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
                if (!TryEnsureCapacity(_length + available))
                {
                    // Take what the buffer already has room for; the rest waits (in the caller's input) for budget.
                    int room = Capacity - _length;
                    if (room > 0)
                    {
                        input.Slice(0, room).CopyTo(_buffer.AsSpan(_length));
                        input = input.Slice(room);
                        _length += room;
                        _fragmentRemaining -= room;
                    }
                    return RecordStatus.NeedBudget;
                }
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
    /// stops sending still pins at most four times what it sent. Empty: the record cannot grow within the budget now
    /// (<see cref="WaitForBudgetAsync"/>).
    /// </summary>
    public Memory<byte> FragmentTail(int arrived)
    {
        int room = arrived >= _fragmentRemaining / 4 ? _fragmentRemaining : Math.Max(arrived, 1);
        if (!TryEnsureCapacity(_length + room) && (room <= arrived || !TryEnsureCapacity(_length + Math.Max(arrived, 1))))
            return Memory<byte>.Empty;
        return _buffer.AsMemory(_length, Math.Min(_fragmentRemaining, _buffer!.Length - _length));
    }

    /// <summary>
    /// After <see cref="RecordStatus.NeedBudget"/> or an empty <see cref="FragmentTail"/>: waits (reading nothing) until the
    /// budget covers the growth the record needed, then grows the record buffer to it. A record larger than the whole
    /// budget waits for all of it and takes the rest beyond it.
    /// </summary>
    public async Task WaitForBudgetAsync(CancellationToken cancellationToken)
    {
        var budget = _budget ?? throw new InvalidOperationException("No budget to wait for.");
        int size = RecordBuffers.RentSize(_wanted);
        long delta = ChargeOf(size) - _charged;
        if (delta > 0)
        {
            await budget.WaitAsync(delta, cancellationToken).ConfigureAwait(false);
            long granted = Math.Min(delta, budget.Limit);
            _charged += granted;
            if (granted < delta)
            {
                budget.Overdraw(delta - granted);
                _charged += delta - granted;
            }
        }
        Grow(size);
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
        ReleaseCharge();
        return record;
    }

    /// <summary>Gives a record from <see cref="TakeRecord"/> back to the pool.</summary>
    public static void ReturnRecord(byte[] record)
    {
        if (record.Length > 0)
            RecordBuffers.Return(record);
    }

    /// <summary>
    /// Makes the buffer hold at least <paramref name="needed"/> bytes. Grows geometrically within what the headers seen so
    /// far announce, so a large fragment that arrives in many pieces is copied O(log n) times and a header alone never
    /// reserves its claimed size; when the budget cannot cover that, grows to just <paramref name="needed"/>; when it
    /// cannot cover even that, remembers what was needed and returns false.
    /// </summary>
    private bool TryEnsureCapacity(int needed)
    {
        int capacity = _buffer?.Length ?? 0;
        if (capacity >= needed)
            return true;
        int announced = _length + _fragmentRemaining;
        int target = (int)Math.Min(announced, Math.Max(needed, 2L * capacity));
        foreach (int size in (ReadOnlySpan<int>)[target, needed])
        {
            int rented = RecordBuffers.RentSize(size);
            long delta = ChargeOf(rented) - _charged;
            // Someone waiting for budget goes first: fresh requests do not overtake it.
            if (delta <= 0 || (_budget!.Waiting == 0 && _budget.TryCharge(delta)))
            {
                if (delta > 0)
                    _charged += delta;
                Grow(size);
                return true;
            }
        }
        _wanted = needed;
        return false;
    }

    /// <summary>What a buffer of <paramref name="capacity"/> bytes costs the budget: all of it above <see cref="FreeBytes"/>, else nothing.</summary>
    private long ChargeOf(int capacity) => _budget is null || capacity <= FreeBytes ? 0 : capacity;

    /// <summary>Moves the record into a buffer of at least <paramref name="size"/> bytes, already charged for.</summary>
    private void Grow(int size)
    {
        if (size <= (_buffer?.Length ?? 0))
            return;
        var larger = RecordBuffers.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(larger);
            RecordBuffers.Return(_buffer);
        }
        _buffer = larger;
        // The pools hand out the sizes RentSize predicts; should one not, the budget still counts what is held.
        long actual = ChargeOf(larger.Length);
        if (actual != _charged)
        {
            if (actual > _charged)
                _budget!.Overdraw(actual - _charged);
            else
                _budget!.Release(_charged - actual);
            _charged = actual;
        }
    }

    private void ReleaseCharge()
    {
        if (_charged == 0)
            return;
        long charged = _charged;
        _charged = 0;
        _budget!.Release(charged);
    }

    /// <summary>Returns the buffer of a record left incomplete (the stream ended or was closed), and its charge.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
            RecordBuffers.Return(_buffer);
        _buffer = null;
        _length = 0;
        ReleaseCharge();
    }
}
