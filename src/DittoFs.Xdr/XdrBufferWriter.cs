using System.Buffers;

namespace DittoFs.Xdr;

/// <summary>
/// A growable output buffer on <see cref="ArrayPool{T}"/>: the RPC layer writes the record mark and reply
/// header, a dispatcher appends the encoded result, and the whole reply leaves in one send. Reused per call;
/// <see cref="Dispose"/> returns the array to the pool.
/// </summary>
public sealed class XdrBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public XdrBufferWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int WrittenCount => _written;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets what was written, keeping the array.</summary>
    public void Clear() => _written = 0;

    /// <summary>Drops everything after <paramref name="length"/> bytes (an error reply replaces a started result).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
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
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
