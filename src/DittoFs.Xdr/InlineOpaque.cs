using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DittoFs.Xdr;

/// <summary>
/// An opaque of at most <typeparamref name="TBytes"/>' capacity held inline, as a value: no heap, no borrowed buffer,
/// copied with the struct that holds it (see <see cref="InlineOpaques"/> for which opaques are inline, and why in this
/// type). The XDR bound of the field holding it is enforced by the codec, when decoding
/// (<see cref="XdrError.LengthExceedsBound"/>) and encoding (<see cref="XdrWriter.WriteOpaque"/>,
/// <see cref="XdrWriter.WriteFixedOpaque"/>); the value itself only limits its length to <see cref="Capacity"/>.
/// <c>default</c> is empty.
/// </summary>
/// <typeparam name="TBytes">The storage, one of the <see cref="IInlineBytes"/> types: it sets the capacity.</typeparam>
public struct InlineOpaque<TBytes> : IEquatable<InlineOpaque<TBytes>> where TBytes : struct, IInlineBytes
{
    private TBytes _bytes;
    private byte _length;

    /// <summary>A copy of <paramref name="bytes"/>; throws <see cref="ArgumentException"/> past <see cref="Capacity"/>.</summary>
    public InlineOpaque(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Capacity)
            throw new ArgumentException($"An inline opaque holds at most {Capacity} bytes, got {bytes.Length}.", nameof(bytes));
        bytes.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<TBytes, byte>(ref _bytes), Capacity));
        _length = (byte)bytes.Length;
    }

    /// <summary>The most bytes a value can hold.</summary>
    public static int Capacity => TBytes.Capacity;

    public readonly int Length => _length;

    /// <summary>The bytes, in this value's own storage: valid as long as the value they were taken from.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Span => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<TBytes, byte>(ref Unsafe.AsRef(in _bytes)), _length);

    /// <summary>A new array with the bytes (tools, tests; nothing on a hot path needs one).</summary>
    public readonly byte[] ToArray() => Span.ToArray();

    /// <summary>
    /// A copy of <paramref name="bytes"/>, so tools and tests can write <c>Data = someArray</c>; null is empty, as for a
    /// span. Throws past <see cref="Capacity"/>.
    /// </summary>
    public static implicit operator InlineOpaque<TBytes>(byte[]? bytes) => new(bytes);

    /// <summary>
    /// Variable-length opaque (RFC 4506 §4.10) of at most <paramref name="maxLength"/> bytes; a longer one is
    /// <see cref="XdrError.LengthExceedsBound"/>. A bound past <see cref="Capacity"/> is the caller's mistake, refused
    /// whatever the input, so a decoder never throws because of what it was sent.
    /// </summary>
    public static InlineOpaque<TBytes> Read(ref XdrReader reader, uint maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, (uint)Capacity);
        return new(reader.ReadOpaque(maxLength).Span);
    }

    /// <summary>Fixed-length opaque (RFC 4506 §4.9) of <paramref name="length"/> (at most <see cref="Capacity"/>) bytes.</summary>
    public static InlineOpaque<TBytes> ReadFixed(ref XdrReader reader, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Capacity);
        return new(reader.ReadFixedOpaque(length).Span);
    }

    public readonly bool Equals(InlineOpaque<TBytes> other) => Span.SequenceEqual(other.Span);

    public override readonly bool Equals(object? obj) => obj is InlineOpaque<TBytes> other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(InlineOpaque<TBytes> left, InlineOpaque<TBytes> right) => left.Equals(right);

    public static bool operator !=(InlineOpaque<TBytes> left, InlineOpaque<TBytes> right) => !left.Equals(right);

    /// <summary>The bytes in lower-case hex.</summary>
    public override readonly string ToString() => Convert.ToHexStringLower(Span);
}
