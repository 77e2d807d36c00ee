using System.Buffers;

namespace DittoFs.Xdr;

/// <summary>
/// A growable output buffer on <see cref="ArrayPool{T}"/>: the RPC layer writes the record mark and reply
/// header, a dispatcher appends the encoded result, and the whole reply leaves in one send. Reused per call;
/// <see cref="Dispose"/> returns the array to the pool.
/// <para>
/// The bytes of one opaque may be sent out of line (<see cref="SendOutOfLine"/>): the output then has everything
/// around them, their padding included, and <see cref="OutOfLineAt"/> says where they belong; whoever sends the
/// output sends them from where they lie, or copies them in (<see cref="MoveInline"/>).
/// </para>
/// </summary>
public sealed class XdrBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private ReadOnlyMemory<byte> _outOfLine;
    private int _outOfLineAt = -1;
    private int _outOfLineLength;

    public XdrBufferWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>The bytes in the buffer: the whole output, less the bytes of an opaque sent out of line.</summary>
    public int WrittenCount => _written;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets what was written, keeping the array, and any opaque to send out of line.</summary>
    public void Clear()
    {
        _written = 0;
        _outOfLine = default;
        _outOfLineAt = -1;
        _outOfLineLength = 0;
    }

    /// <summary>
    /// Drops everything after <paramref name="length"/> bytes (an error reply replaces a started result), with the
    /// opaque sent out of line if it was encoded there.
    /// </summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        if (HasOutOfLine && length <= _outOfLineAt)
        {
            _outOfLine = default;
            _outOfLineAt = -1;
            _outOfLineLength = 0;
        }
        _written = length;
    }

    /// <summary>
    /// Gives back an array grown past <paramref name="capacity"/> bytes for one of that size; only while empty (after
    /// <see cref="Clear"/>), so that a writer kept for reuse does not hold the largest output it ever had.
    /// </summary>
    public void Shrink(int capacity)
    {
        if (_written > 0 || _buffer.Length <= capacity)
            return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
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
    /// The bytes of an opaque over <paramref name="bytes"/> (the same memory and length; found by reference, not by
    /// content) are not written to the buffer by the next <see cref="Write{T, TCodec}"/>, which must encode one: its
    /// length word and padding are, and <see cref="OutOfLineAt"/> then says where the bytes belong. One opaque per
    /// output; called again before that write, the last memory counts, and empty memory forgets it.
    /// </summary>
    public void SendOutOfLine(ReadOnlyMemory<byte> bytes)
    {
        if (HasOutOfLine)
            throw new InvalidOperationException("The output already has an opaque sent out of line.");
        _outOfLine = bytes;
    }

    /// <summary>Whether an opaque was encoded with its bytes out of line (<see cref="SendOutOfLine"/>).</summary>
    public bool HasOutOfLine => _outOfLineAt >= 0;

    /// <summary>Where in the output the out-of-line bytes belong (before the buffer's byte at this index), or -1.</summary>
    public int OutOfLineAt => _outOfLineAt;

    /// <summary>How many bytes the opaque sent out of line has; the whole output is <see cref="WrittenCount"/> plus these.</summary>
    public int OutOfLineLength => _outOfLineLength;

    /// <summary>
    /// Makes room for the out-of-line bytes where they belong, moving what follows them, and returns it for the caller
    /// to fill: the buffer then holds the whole output (kept whole, or sent where the bytes cannot be sent from where
    /// they lie). Empty without out-of-line bytes.
    /// </summary>
    public Span<byte> MoveInline()
    {
        if (!HasOutOfLine)
            return [];
        int at = _outOfLineAt;
        int length = _outOfLineLength;
        Ensure(length);
        _buffer.AsSpan(at, _written - at).CopyTo(_buffer.AsSpan(at + length));
        _written += length;
        _outOfLine = default;
        _outOfLineAt = -1;
        _outOfLineLength = 0;
        return _buffer.AsSpan(at, length);
    }

    /// <summary>
    /// Encodes <paramref name="value"/> with <typeparamref name="TCodec"/> at the end of the buffer. With an opaque to
    /// send out of line (<see cref="SendOutOfLine"/>) not yet encoded, <paramref name="value"/> must carry it: room is
    /// made for the value without those bytes only, and a value that does not carry them is refused.
    /// </summary>
    public void Write<T, TCodec>(in T value) where TCodec : IXdrCodec<T>
    {
        int size = TCodec.SizeOf(in value);
        if (_outOfLine.IsEmpty || HasOutOfLine)
        {
            var writer = new XdrWriter(GetSpan(size)[..size]);
            TCodec.Write(ref writer, in value);
            if (writer.Position != size)
                XdrWriter.ThrowSizeMismatch<TCodec>(size, writer.Position);
            _written += size;
            return;
        }
        int inBuffer = size - _outOfLine.Length;
        if (inBuffer < 0)
            ThrowNotCarried<TCodec>();
        var span = GetSpan(inBuffer);
        var leaving = new XdrWriter(span[..Math.Min(span.Length, size)], _outOfLine.Span);
        try
        {
            TCodec.Write(ref leaving, in value);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Out of room: the value was written as if its bytes were out of line, but it does not carry them.
            ThrowNotCarried<TCodec>();
        }
        if (leaving.OutOfLineAt < 0)
            ThrowNotCarried<TCodec>();
        if (leaving.Position != inBuffer)
            XdrWriter.ThrowSizeMismatch<TCodec>(size, leaving.Position + _outOfLine.Length);
        _outOfLineAt = _written + leaving.OutOfLineAt;
        _outOfLineLength = leaving.OutOfLineLength;
        _written += inBuffer;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotCarried<TCodec>() =>
        throw new InvalidOperationException($"{typeof(TCodec).Name}: the value does not carry the opaque to send out of line (or its SizeOf and Write disagree).");

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
        _outOfLine = default;
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
