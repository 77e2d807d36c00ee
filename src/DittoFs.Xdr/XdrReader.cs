using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DittoFs.Xdr;

/// <summary>
/// Big-endian XDR decoder over a message buffer (RFC 4506). Opaque data and strings come back as slices of
/// the buffer, never copies. Errors are sticky instead of thrown: the first failure is recorded, the reader
/// jumps to the end so every later read yields zero, and the caller checks <see cref="HasError"/> once.
/// That keeps hostile input cheap (no exception per bad message) and loops over counts always terminate.
/// </summary>
public ref struct XdrReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;
    private XdrError _error;
    private int _errorPosition;

    public XdrReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _span.Length - _position;
    public readonly bool HasError => _error != XdrError.None;
    public readonly XdrError Error => _error;
    public readonly int ErrorPosition => _errorPosition;

    /// <summary>The bytes from <paramref name="start"/> to the current position, as a slice of the input.</summary>
    public readonly ReadOnlyMemory<byte> SliceFrom(int start) => _memory[start.._position];

    /// <summary>The bytes not read yet, as a slice of the input (procedure arguments after an RPC header).</summary>
    public readonly ReadOnlyMemory<byte> RemainingMemory => _memory[_position..];

    /// <summary>Records the first error and stops all further reading.</summary>
    public void Fail(XdrError error)
    {
        if (_error == XdrError.None)
        {
            _error = error;
            _errorPosition = _position;
        }
        _position = _span.Length;
    }

    /// <summary>Throws <see cref="XdrDecodeException"/> if a read failed.</summary>
    public readonly void ThrowIfError()
    {
        if (_error != XdrError.None)
            throw new XdrDecodeException(_error, _errorPosition);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32()
    {
        if (_span.Length - _position < 4)
        {
            Fail(XdrError.Truncated);
            return 0;
        }
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public int ReadInt32() => (int)ReadUInt32();

    public ulong ReadUInt64()
    {
        if (_span.Length - _position < 8)
        {
            Fail(XdrError.Truncated);
            return 0;
        }
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_span[_position..]);
        _position += 8;
        return value;
    }

    public long ReadInt64() => (long)ReadUInt64();

    public float ReadSingle() => BitConverter.Int32BitsToSingle(ReadInt32());

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    public bool ReadBool()
    {
        uint value = ReadUInt32();
        if (value > 1)
        {
            Fail(XdrError.InvalidBoolean);
            return false;
        }
        return value == 1;
    }

    /// <summary>Fixed-length opaque (RFC 4506 §4.9): <paramref name="length"/> bytes plus padding to 4.</summary>
    public ReadOnlyMemory<byte> ReadFixedOpaque(int length)
    {
        // In long: a length near int.MaxValue must not round up to a negative padded size.
        long padded = ((long)length + 3) & ~3L;
        if (_span.Length - _position < padded)
        {
            Fail(XdrError.Truncated);
            return default;
        }
        var slice = _memory.Slice(_position, length);
        _position += (int)padded;
        return slice;
    }

    /// <summary>Variable-length opaque or string (RFC 4506 §4.10-4.11) of at most <paramref name="maxLength"/> bytes.</summary>
    public ReadOnlyMemory<byte> ReadOpaque(uint maxLength)
    {
        uint length = ReadUInt32();
        if (length > maxLength)
        {
            Fail(XdrError.LengthExceedsBound);
            return default;
        }
        if (length > (uint)Remaining)
        {
            Fail(XdrError.Truncated);
            return default;
        }
        return ReadFixedOpaque((int)length);
    }

    /// <summary>
    /// The element count of a variable-length array (RFC 4506 §4.13). Every XDR item takes at least four
    /// bytes, so a count that the rest of the message cannot hold is rejected before anything is decoded.
    /// </summary>
    public int ReadArrayCount(uint maxCount)
    {
        uint count = ReadUInt32();
        if (count > maxCount)
        {
            Fail(XdrError.LengthExceedsBound);
            return 0;
        }
        if (count > (uint)Remaining / 4)
        {
            Fail(XdrError.Truncated);
            return 0;
        }
        return (int)count;
    }

    /// <summary>Checks a decoded enum or discriminant value; records the error if it is not declared.</summary>
    public void Require(bool known, XdrError error)
    {
        if (!known)
            Fail(error);
    }
}
