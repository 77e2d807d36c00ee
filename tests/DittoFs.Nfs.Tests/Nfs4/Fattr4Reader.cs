using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// Reads an fattr4 as a client must (RFC 7530 §5.1, RFC 8881 §5): the values of the bitmap's attributes, in bit order,
/// each by the type the RFC gives it, and nothing after the last. Written from the RFC's attribute table, not from the
/// server's encoder, so the two check each other. Values are kept as ulong (numbers, booleans, times' seconds), byte[]
/// (strings, handles) or uint[] (bitmaps).
/// </summary>
internal static class Fattr4Reader
{
    private enum Kind { UInt32, UInt64, Bool, Bitmap, Opaque, Fsid, Time, Specdata }

    private static readonly Dictionary<int, Kind> Types = new()
    {
        [0] = Kind.Bitmap, [1] = Kind.UInt32, [2] = Kind.UInt32, [3] = Kind.UInt64, [4] = Kind.UInt64, [5] = Kind.Bool,
        [6] = Kind.Bool, [7] = Kind.Bool, [8] = Kind.Fsid, [9] = Kind.Bool, [10] = Kind.UInt32, [11] = Kind.UInt32,
        [13] = Kind.UInt32, [15] = Kind.Bool, [16] = Kind.Bool, [17] = Kind.Bool, [18] = Kind.Bool, [19] = Kind.Opaque,
        [20] = Kind.UInt64, [21] = Kind.UInt64, [22] = Kind.UInt64, [23] = Kind.UInt64, [26] = Kind.Bool, [27] = Kind.UInt64,
        [28] = Kind.UInt32, [29] = Kind.UInt32, [30] = Kind.UInt64, [31] = Kind.UInt64, [33] = Kind.UInt32, [34] = Kind.Bool,
        [35] = Kind.UInt32, [36] = Kind.Opaque, [37] = Kind.Opaque, [41] = Kind.Specdata, [42] = Kind.UInt64, [43] = Kind.UInt64,
        [44] = Kind.UInt64, [45] = Kind.UInt64, [47] = Kind.Time, [51] = Kind.Time, [52] = Kind.Time, [53] = Kind.Time,
        [55] = Kind.UInt64, [75] = Kind.Bitmap,
    };

    public static Dictionary<int, object> Read(in Fattr4 attributes)
    {
        var mask = attributes.Attrmask.ToArray();
        var reader = new XdrReader(attributes.AttrVals.Value);
        var values = new Dictionary<int, object>();
        for (int attribute = 0; attribute < mask.Length * 32; attribute++)
        {
            if ((mask[attribute / 32] & (1u << (attribute % 32))) == 0)
                continue;
            if (!Types.TryGetValue(attribute, out var kind))
                throw new InvalidOperationException($"Attribute {attribute} is in the reply's bitmap but this reader does not know its type.");
            values[attribute] = kind switch
            {
                Kind.UInt32 => reader.ReadUInt32(),
                Kind.UInt64 => reader.ReadUInt64(),
                Kind.Bool => reader.ReadBool(),
                Kind.Bitmap => ReadBitmap(ref reader),
                Kind.Opaque => reader.ReadOpaque(uint.MaxValue).ToArray(),
                Kind.Fsid => (reader.ReadUInt64(), reader.ReadUInt64()),
                Kind.Time => (reader.ReadInt64(), reader.ReadUInt32()),
                _ => (reader.ReadUInt32(), reader.ReadUInt32()),
            };
        }
        reader.ThrowIfError();
        if (reader.Remaining != 0)
            throw new InvalidOperationException($"{reader.Remaining} bytes after the last attribute of the bitmap.");
        return values;
    }

    public static uint[] Mask(params int[] attributes)
    {
        var mask = new uint[attributes.Max() / 32 + 1];
        foreach (int attribute in attributes)
            mask[attribute / 32] |= 1u << (attribute % 32);
        return mask;
    }

    private static uint[] ReadBitmap(ref XdrReader reader)
    {
        int count = reader.ReadArrayCount(8);
        var words = new uint[count];
        for (int i = 0; i < count; i++)
            words[i] = reader.ReadUInt32();
        return words;
    }

    public static ulong BigEndian(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64BigEndian(bytes);
}
