using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// Big-endian XDR encoder into a span sized beforehand with the generated SizeOf. Writing past the end is a
/// programming error (the size computation and the encoder disagree) and throws.
/// </summary>
public ref struct XdrWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public XdrWriter(Span<byte> span) => _span = span;

    public readonly int Position => _position;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_span[_position..], value);
        _position += 4;
    }

    public void WriteInt32(int value) => WriteUInt32((uint)value);

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_span[_position..], value);
        _position += 8;
    }

    public void WriteInt64(long value) => WriteUInt64((ulong)value);

    public void WriteSingle(float value) => WriteInt32(BitConverter.SingleToInt32Bits(value));

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    /// <summary>Fixed-length opaque: exactly <paramref name="length"/> bytes, zero padded to 4.</summary>
    public void WriteFixedOpaque(ReadOnlySpan<byte> value, int length)
    {
        if (value.Length != length)
            throw new ArgumentException($"Fixed-length opaque needs {length} bytes, got {value.Length}.", nameof(value));
        WriteBytesPadded(value);
    }

    /// <summary>Variable-length opaque or string of at most <paramref name="maxLength"/> bytes.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> value, uint maxLength)
    {
        if ((uint)value.Length > maxLength)
            throw new ArgumentException($"Opaque of {value.Length} bytes exceeds its bound {maxLength}.", nameof(value));
        WriteUInt32((uint)value.Length);
        WriteBytesPadded(value);
    }

    private void WriteBytesPadded(ReadOnlySpan<byte> value)
    {
        var destination = _span.Slice(_position, XdrSize.Pad(value.Length));
        // A READ reply's data may already sit where it belongs (read in place); then there is nothing to copy.
        if (!Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination),
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(value)))
            value.CopyTo(destination);
        destination[value.Length..].Clear();
        _position += destination.Length;
    }

    /// <summary>
    /// A codec wrote a different number of bytes than its SizeOf promised: SizeOf and Write disagree, and the
    /// message would carry stale buffer bytes or be cut short.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowSizeMismatch<TCodec>(int expected, int written) =>
        throw new InvalidOperationException($"{typeof(TCodec).Name}: SizeOf gave {expected} bytes but Write wrote {written}.");

    /// <summary>Copies bytes that are already XDR-encoded (a decoded list re-sent as is).</summary>
    public void WriteEncoded(ReadOnlySpan<byte> encoded)
    {
        encoded.CopyTo(_span[_position..]);
        _position += encoded.Length;
    }
}
