using System.Buffers.Binary;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>Appends little-endian fields to a span: the value side of every record (keys are big-endian, see <see cref="MetadataKeys"/>).</summary>
internal ref struct RecordWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _position;

    public readonly int Length => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], value);
        _position += sizeof(uint);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_position..], value);
        _position += sizeof(ulong);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer[_position..], value);
        _position += sizeof(long);
    }

    public void WriteTime(FileTime time)
    {
        WriteInt64(time.Seconds);
        WriteUInt32(time.Nanoseconds);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }
}
