using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;

namespace DittoFs.Nfs.Tests.Nfs4;

/// <summary>
/// Builds an fattr4 as a client sends it (RFC 7530 §5.1): the bitmap of the attributes given, and their values
/// appended in the order the test writes them (bit order for a well-formed one; tests of malformed input write
/// otherwise on purpose). Written from the RFC's types, not from the server's decoder.
/// </summary>
internal sealed class Fattr4Writer
{
    private readonly List<int> _attributes = [];
    private readonly List<byte> _values = [];

    public Fattr4Writer UInt32(int attribute, uint value) => Add(attribute, Big(value));

    public Fattr4Writer UInt64(int attribute, ulong value) => Add(attribute, Big(value));

    public Fattr4Writer String(int attribute, string value) => Add(attribute, Opaque(Encoding.UTF8.GetBytes(value)));

    /// <summary>settime4 SET_TO_CLIENT_TIME4 with an nfstime4.</summary>
    public Fattr4Writer ClientTime(int attribute, long seconds, uint nanoseconds) => Add(attribute, [.. Big(1u), .. Big((ulong)seconds), .. Big(nanoseconds)]);

    /// <summary>settime4 SET_TO_SERVER_TIME4.</summary>
    public Fattr4Writer ServerTime(int attribute) => Add(attribute, Big(0u));

    /// <summary>A bit in the bitmap and these bytes as its value, whatever its type.</summary>
    public Fattr4Writer Raw(int attribute, params byte[] value) => Add(attribute, value);

    /// <summary>Bytes after the last value, or (negative) the last values cut short.</summary>
    public Fattr4 Build(int extraBytes = 0)
    {
        var values = _values.ToList();
        if (extraBytes > 0)
            values.AddRange(new byte[extraBytes]);
        else if (extraBytes < 0)
            values.RemoveRange(values.Count + extraBytes, -extraBytes);
        return new Fattr4 { Attrmask = _attributes.Count == 0 ? [] : Fattr4Reader.Mask([.. _attributes]), AttrVals = values.ToArray() };
    }

    public static implicit operator Fattr4(Fattr4Writer writer) => writer.Build();

    private Fattr4Writer Add(int attribute, byte[] value)
    {
        _attributes.Add(attribute);
        _values.AddRange(value);
        return this;
    }

    public static byte[] Big(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Big(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Opaque(byte[] data) => [.. Big((uint)data.Length), .. data, .. new byte[(4 - data.Length % 4) % 4]];
}
