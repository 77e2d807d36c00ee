using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// An opaque of at most 8 bytes held inline, as a value: no heap, no borrowed buffer, copied with the struct
/// that holds it (see <see cref="InlineOpaques"/> for which opaques are inline, and why in this type). The XDR bound
/// of the field holding it is enforced by the codec, when decoding (<see cref="XdrError.LengthExceedsBound"/>) and
/// encoding (<see cref="XdrWriter.WriteOpaque"/>, <see cref="XdrWriter.WriteFixedOpaque"/>); the value itself only
/// limits its length to <see cref="Capacity"/>. <c>default</c> is empty.
/// </summary>
public struct InlineOpaque8 : IEquatable<InlineOpaque8>
{
    /// <summary>The most bytes a value can hold.</summary>
    public const int Capacity = 8;

    private Storage _bytes;
    private byte _length;

    /// <summary>A copy of <paramref name="bytes"/>; throws <see cref="ArgumentException"/> past <see cref="Capacity"/>.</summary>
    public InlineOpaque8(ReadOnlySpan<byte> bytes)
    {
        InlineOpaques.CheckCapacity(bytes.Length, Capacity);
        bytes.CopyTo(_bytes);
        _length = (byte)bytes.Length;
    }

    public readonly int Length => _length;

    /// <summary>The bytes, in this value's own storage: valid as long as the value they were taken from.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Span => ((ReadOnlySpan<byte>)_bytes)[.._length];

    /// <summary>A new array with the bytes (tools, tests; nothing on a hot path needs one).</summary>
    public readonly byte[] ToArray() => Span.ToArray();

    /// <summary>
    /// A copy of <paramref name="bytes"/>, so tools and tests can write <c>Data = someArray</c>; null is empty, as for a
    /// span. Throws past <see cref="Capacity"/>.
    /// </summary>
    public static implicit operator InlineOpaque8(byte[]? bytes) => new(bytes);

    /// <summary>
    /// Variable-length opaque (RFC 4506 §4.10) of at most <paramref name="maxLength"/> bytes; a longer one is
    /// <see cref="XdrError.LengthExceedsBound"/>. A bound past <see cref="Capacity"/> is the caller's mistake, refused
    /// whatever the input, so a decoder never throws because of what it was sent.
    /// </summary>
    public static InlineOpaque8 Read(ref XdrReader reader, uint maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, (uint)Capacity);
        return new(reader.ReadOpaque(maxLength).Span);
    }

    /// <summary>Fixed-length opaque (RFC 4506 §4.9) of <paramref name="length"/> (at most <see cref="Capacity"/>) bytes.</summary>
    public static InlineOpaque8 ReadFixed(ref XdrReader reader, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Capacity);
        return new(reader.ReadFixedOpaque(length).Span);
    }

    public readonly bool Equals(InlineOpaque8 other) => Span.SequenceEqual(other.Span);

    public override readonly bool Equals(object? obj) => obj is InlineOpaque8 other && Equals(other);

    public override readonly int GetHashCode() => InlineOpaques.Hash(Span);

    public static bool operator ==(InlineOpaque8 left, InlineOpaque8 right) => left.Equals(right);

    public static bool operator !=(InlineOpaque8 left, InlineOpaque8 right) => !left.Equals(right);

    /// <summary>The bytes in lower-case hex.</summary>
    public override readonly string ToString() => Convert.ToHexStringLower(Span);

    [InlineArray(Capacity)]
    private struct Storage
    {
        private byte _first;
    }
}
