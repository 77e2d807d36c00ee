using System.Buffers.Binary;

namespace DittoFs.Rpc;

/// <summary>
/// The record marking standard of RFC 5531 §11: on a byte stream each RPC message travels as a record of
/// one or more fragments, each preceded by a four-byte big-endian header whose top bit marks the last
/// fragment and whose other 31 bits give the fragment's length.
/// </summary>
internal static class RecordMark
{
    public const int Length = 4;
    public const uint LastFragmentBit = 0x8000_0000u;
    public const int MaxFragmentLength = 0x7FFF_FFFF;

    public static (int Length, bool Last) Decode(uint header) => ((int)(header & ~LastFragmentBit), (header & LastFragmentBit) != 0);

    /// <summary>
    /// Fills the four bytes reserved at the start of <paramref name="record"/> so the rest travels as one
    /// last fragment (replies are always sent whole).
    /// </summary>
    public static void WriteSingleFragment(Span<byte> record) => WriteSingleFragment(record, record.Length - Length);

    /// <summary>
    /// As <see cref="WriteSingleFragment(Span{byte})"/> for a record of <paramref name="fragmentLength"/> bytes after its
    /// mark, not all of which are in <paramref name="record"/> (a reply with data sent out of line).
    /// </summary>
    public static void WriteSingleFragment(Span<byte> record, int fragmentLength) =>
        BinaryPrimitives.WriteUInt32BigEndian(record, LastFragmentBit | (uint)fragmentLength);
}
