using System.Buffers.Binary;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>Reads the little-endian fields <see cref="RecordWriter"/> wrote; a record cut short throws (the database is damaged).</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly ReadOnlySpan<byte> Rest => _buffer[_position..];

    public byte ReadByte() => _buffer[_position++];

    public uint ReadUInt32()
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[_position..]);
        _position += sizeof(uint);
        return value;
    }

    public ulong ReadUInt64()
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer[_position..]);
        _position += sizeof(ulong);
        return value;
    }

    public long ReadInt64()
    {
        long value = BinaryPrimitives.ReadInt64LittleEndian(_buffer[_position..]);
        _position += sizeof(long);
        return value;
    }

    public FileTime ReadTime() => new(ReadInt64(), ReadUInt32());
}
