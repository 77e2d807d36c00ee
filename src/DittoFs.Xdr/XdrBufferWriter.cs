using System.Buffers;
using System.Runtime.InteropServices;

namespace DittoFs.Xdr;

/// <summary>
/// A growable output buffer on <see cref="ArrayPool{T}"/>: the RPC layer writes the record mark and reply
/// header, a dispatcher appends the encoded result, and the whole reply leaves in one send. Reused per call;
/// <see cref="Dispose"/> returns the array to the pool.
/// <para>
/// One region of the output may be external (<see cref="ReserveExternal"/>): its bytes are not copied into the
/// buffer but lie elsewhere (a store's memory) and are sent from there, so a large READ reply's data is
/// never copied by the server. The loans that keep them valid are returned when the region is dropped: by
/// <see cref="Clear"/>, by a <see cref="Truncate"/> to before it, or by <see cref="Internalize"/>.
/// </para>
/// </summary>
public sealed class XdrBufferWriter : IBufferWriter<byte>, IDisposable
{
    // Zeros to send for what a store does not have.
    private static readonly byte[] Zeros = GC.AllocateArray<byte>(64 * 1024, pinned: true);

    private byte[] _buffer;
    private int _written;
    private readonly List<ReadOnlyMemory<byte>> _external = [];
    private readonly List<IDisposable> _loans = [];
    private int _externalStart = -1;
    private int _externalLength;
    private int _externalFilled;

    public XdrBufferWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int WrittenCount => _written;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets what was written, keeping the array.</summary>
    public void Clear()
    {
        DropExternal();
        _written = 0;
    }

    /// <summary>Drops everything after <paramref name="length"/> bytes (an error reply replaces a started result).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        if (HasExternal && length < _externalStart + _externalLength)
            DropExternal();
        _written = length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>
    /// Room for <paramref name="length"/> bytes that the next <see cref="Write{T, TCodec}"/> will place
    /// <paramref name="offset"/> bytes past the current end (e.g. READ data behind its result's header). Capacity
    /// for the whole value (offset, data, padding) is made now, so that write does not move the buffer: data
    /// produced into this memory is then already where the encoder puts it, and <see cref="XdrWriter"/> skips
    /// the copy. Valid until the next write.
    /// </summary>
    public Memory<byte> ReserveAhead(int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Ensure(offset + XdrSize.Pad(length));
        return _buffer.AsMemory(_written + offset, length);
    }

    /// <summary>
    /// As <see cref="ReserveAhead"/>, but the <paramref name="length"/> bytes are external: the caller appends where
    /// they lie (<see cref="AddExternal"/>, <see cref="AddExternalZeros"/>) until they add up to the length, instead
    /// of writing them into the returned memory, which is never sent. One external region per output.
    /// </summary>
    public Memory<byte> ReserveExternal(int offset, int length)
    {
        if (HasExternal)
            throw new InvalidOperationException("One external region per output.");
        var memory = ReserveAhead(offset, length);
        _externalStart = _written + offset;
        _externalLength = length;
        return memory;
    }

    /// <summary>Whether the output has an external region (<see cref="ReserveExternal"/>).</summary>
    public bool HasExternal => _externalStart >= 0;

    /// <summary>Where the external region starts in the output, or -1 without one.</summary>
    public int ExternalStart => _externalStart;

    /// <summary>The external region's length in bytes.</summary>
    public int ExternalLength => _externalLength;

    /// <summary>Whether the pieces added so far fill the external region exactly.</summary>
    public bool ExternalComplete => _externalFilled == _externalLength;

    /// <summary>The external region's pieces in order.</summary>
    public ReadOnlySpan<ReadOnlyMemory<byte>> ExternalPieces => CollectionsMarshal.AsSpan(_external);

    /// <summary>Appends bytes in memory that stay unchanged until the region is dropped.</summary>
    public void AddExternal(ReadOnlyMemory<byte> bytes)
    {
        if (!bytes.IsEmpty)
            AddPiece(bytes);
    }

    /// <summary>Appends <paramref name="count"/> zero bytes.</summary>
    public void AddExternalZeros(int count)
    {
        while (count > 0)
        {
            int piece = Math.Min(count, Zeros.Length);
            AddPiece(Zeros.AsMemory(0, piece));
            count -= piece;
        }
    }

    /// <summary>Holds a loan that keeps external bytes valid; disposed when the region is dropped.</summary>
    public void HoldLoan(IDisposable loan)
    {
        ArgumentNullException.ThrowIfNull(loan);
        if (!HasExternal)
        {
            loan.Dispose();
            throw new InvalidOperationException("No external region to hold a loan for.");
        }
        _loans.Add(loan);
    }

    private void AddPiece(ReadOnlyMemory<byte> piece)
    {
        if (!HasExternal)
            throw new InvalidOperationException("No external region: call ReserveExternal first.");
        if (piece.Length > _externalLength - _externalFilled)
            throw new InvalidOperationException($"External pieces exceed the region of {_externalLength} bytes.");
        _external.Add(piece);
        _externalFilled += piece.Length;
    }

    /// <summary>
    /// Copies the external bytes into their place in the buffer and returns the loans: for a reply kept whole (the
    /// duplicate request cache) or sent where lent bytes cannot be.
    /// </summary>
    public void Internalize()
    {
        if (!HasExternal)
            return;
        if (!ExternalComplete)
            throw new InvalidOperationException($"The external region has {_externalFilled} of its {_externalLength} bytes.");
        var destination = _buffer.AsSpan(_externalStart, _externalLength);
        foreach (var piece in _external)
        {
            piece.Span.CopyTo(destination);
            destination = destination[piece.Length..];
        }
        DropExternal();
    }

    /// <summary>Forgets the external region and returns its loans.</summary>
    public void DropExternal()
    {
        _external.Clear();
        _externalStart = -1;
        _externalLength = 0;
        _externalFilled = 0;
        try
        {
            // Loans return memory or a lease; they do not throw, and if one did the rest are still forgotten.
            foreach (var loan in _loans)
                loan.Dispose();
        }
        finally
        {
            _loans.Clear();
        }
    }

    /// <summary>Encodes <paramref name="value"/> with <typeparamref name="TCodec"/> at the end of the buffer.</summary>
    public void Write<T, TCodec>(in T value) where TCodec : IXdrCodec<T>
    {
        int size = TCodec.SizeOf(in value);
        var writer = new XdrWriter(GetSpan(size)[..size]);
        TCodec.Write(ref writer, in value);
        if (writer.Position != size)
            XdrWriter.ThrowSizeMismatch<TCodec>(size, writer.Position);
        _written += size;
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint <= 0)
            sizeHint = 1;
        if (_buffer.Length - _written >= sizeHint)
            return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        DropExternal();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
