using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DittoFs.Xdr;

/// <summary>
/// Big-endian XDR encoder into a span sized beforehand with the generated SizeOf. Writing past the end is a
/// programming error (the size computation and the encoder disagree) and throws.
/// <para>
/// One opaque may be left out of line (<see cref="XdrWriter(Span{byte}, ReadOnlySpan{byte})"/>): its length word and
/// padding are encoded, its bytes are not, and <see cref="OutOfLineAt"/> says where in the output they belong. The
/// caller sends them from where they lie (a READ's data), so they are never copied into the output.
/// </para>
/// </summary>
public ref struct XdrWriter
{
    private readonly Span<byte> _span;
    private readonly ReadOnlySpan<byte> _outOfLine;
    private int _position;
    private int _outOfLineAt;
    private int _outOfLineLength;

    public XdrWriter(Span<byte> span)
    {
        _span = span;
        _outOfLineAt = -1;
    }

    /// <summary>
    /// An encoder that leaves out the bytes of the first opaque (fixed or variable length) whose bytes are
    /// <paramref name="outOfLine"/>, recognised by reference (the same memory and length), not by content.
    /// </summary>
    public XdrWriter(Span<byte> span, ReadOnlySpan<byte> outOfLine)
    {
        _span = span;
        _outOfLine = outOfLine;
        _outOfLineAt = -1;
    }

    public readonly int Position => _position;

    /// <summary>Where the bytes of the opaque left out of line belong in the output, or -1 if none was.</summary>
    public readonly int OutOfLineAt => _outOfLineAt;

    /// <summary>How many bytes the opaque left out of line has (its padding is in the output).</summary>
    public readonly int OutOfLineLength => _outOfLineLength;

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

    // The bytes written are copied, never kept: scoped lets a caller pass the span of a value held inline (InlineOpaque<InlineBytes64>).

    /// <summary>Fixed-length opaque: exactly <paramref name="length"/> bytes, zero padded to 4.</summary>
    public void WriteFixedOpaque(scoped ReadOnlySpan<byte> value, int length)
    {
        if (value.Length != length)
            throw new ArgumentException($"Fixed-length opaque needs {length} bytes, got {value.Length}.", nameof(value));
        WriteBytesPadded(value);
    }

    /// <summary>Variable-length opaque or string of at most <paramref name="maxLength"/> bytes.</summary>
    public void WriteOpaque(scoped ReadOnlySpan<byte> value, uint maxLength)
    {
        if ((uint)value.Length > maxLength)
            throw new ArgumentException($"Opaque of {value.Length} bytes exceeds its bound {maxLength}.", nameof(value));
        WriteUInt32((uint)value.Length);
        WriteBytesPadded(value);
    }

    private void WriteBytesPadded(scoped ReadOnlySpan<byte> value)
    {
        if (IsOutOfLine(value))
        {
            _outOfLineAt = _position;
            _outOfLineLength = value.Length;
            var padding = _span.Slice(_position, XdrSize.Pad(value.Length) - value.Length);
            padding.Clear();
            _position += padding.Length;
            return;
        }
        var destination = _span.Slice(_position, XdrSize.Pad(value.Length));
        value.CopyTo(destination);
        destination[value.Length..].Clear();
        _position += destination.Length;
    }

    private readonly bool IsOutOfLine(scoped ReadOnlySpan<byte> value) =>
        !_outOfLine.IsEmpty && _outOfLineAt < 0 && value.Length == _outOfLine.Length
        && Unsafe.AreSame(ref MemoryMarshal.GetReference(value), ref MemoryMarshal.GetReference(_outOfLine));

    /// <summary>
    /// A codec wrote a different number of bytes than its SizeOf promised: SizeOf and Write disagree, and the
    /// message would carry stale buffer bytes or be cut short.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal static void ThrowSizeMismatch<TCodec>(int expected, int written) =>
        throw new InvalidOperationException($"{typeof(TCodec).Name}: SizeOf gave {expected} bytes but Write wrote {written}.");

    /// <summary>Copies bytes that are already XDR-encoded (a decoded list re-sent as is).</summary>
    public void WriteEncoded(scoped ReadOnlySpan<byte> encoded)
    {
        encoded.CopyTo(_span[_position..]);
        _position += encoded.Length;
    }
}
