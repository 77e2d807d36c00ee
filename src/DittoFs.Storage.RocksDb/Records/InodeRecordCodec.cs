using RocksDbSharp;

namespace DittoFs.Storage.RocksDb.Records;

/// <summary>
/// The bytes of an <see cref="InodeRecord"/>: a version byte, the attributes every type has (82 bytes), the share
/// root (8 bytes, version 2 on), then a tail by type. Little-endian fields; an unknown version is refused rather than
/// misread. Version 1 records (no root) still read, with root 0, until <see cref="ShareRootMigration"/> rewrites them.
/// <code>
/// u8 version  u8 type  u32 mode  u32 nlink  u32 uid  u32 gid  u64 size  u64 used  u64 fileid  u32 generation
/// (i64 seconds, u32 nanoseconds) x atime, mtime, ctime
/// u64 root id (version 2)
/// regular:   u64 content low, u64 content high, u8 has-verifier, [u64 verifier]
/// directory: u64 parent id, u64 last cookie, u64 entry count
/// device:    u32 major, u32 minor
/// symlink:   the target bytes
/// </code>
/// Also the deserializer RocksDB calls on the value in native memory, so a read allocates only a symlink's target.
/// </summary>
internal sealed class InodeRecordCodec : ISpanDeserializer<InodeRecord>
{
    private const byte Version = 2;
    private const byte VersionWithoutRoot = 1;
    private const int CommonLength = 2 + 4 * sizeof(uint) + 3 * sizeof(ulong) + sizeof(uint) + 3 * (sizeof(long) + sizeof(uint)) + sizeof(ulong);

    public static InodeRecordCodec Instance { get; } = new();

    public static int LengthOf(in InodeRecord record) => CommonLength + record.Attributes.Type switch
    {
        FileType.Regular => 2 * sizeof(ulong) + 1 + (record.CreateVerifier is null ? 0 : sizeof(ulong)),
        FileType.Directory => 3 * sizeof(ulong),
        FileType.BlockDevice or FileType.CharDevice => 2 * sizeof(uint),
        FileType.Symlink => record.SymlinkTarget?.Length ?? 0,
        _ => 0,
    };

    /// <summary>Writes the record into <paramref name="destination"/> (at least <see cref="LengthOf"/> bytes); returns the bytes written.</summary>
    public static int Write(in InodeRecord record, Span<byte> destination)
    {
        var attributes = record.Attributes;
        var writer = new RecordWriter(destination);
        writer.WriteByte(Version);
        writer.WriteByte((byte)attributes.Type);
        writer.WriteUInt32(attributes.Mode);
        writer.WriteUInt32(attributes.LinkCount);
        writer.WriteUInt32(attributes.Uid);
        writer.WriteUInt32(attributes.Gid);
        writer.WriteUInt64(attributes.Size);
        writer.WriteUInt64(attributes.Used);
        writer.WriteUInt64(attributes.FileId);
        writer.WriteUInt32(attributes.Generation);
        writer.WriteTime(attributes.AccessTime);
        writer.WriteTime(attributes.ModifyTime);
        writer.WriteTime(attributes.ChangeTime);
        writer.WriteUInt64(record.RootId);
        switch (attributes.Type)
        {
            case FileType.Regular:
                writer.WriteUInt64((ulong)attributes.ContentId.Value);
                writer.WriteUInt64((ulong)(attributes.ContentId.Value >> 64));
                writer.WriteByte(record.CreateVerifier is null ? (byte)0 : (byte)1);
                if (record.CreateVerifier is { } verifier)
                {
                    writer.WriteUInt64(verifier);
                }
                break;
            case FileType.Directory:
                writer.WriteUInt64(record.ParentId);
                writer.WriteUInt64(record.LastCookie);
                writer.WriteUInt64(record.EntryCount);
                break;
            case FileType.BlockDevice or FileType.CharDevice:
                writer.WriteUInt32(attributes.Device.Major);
                writer.WriteUInt32(attributes.Device.Minor);
                break;
            case FileType.Symlink:
                writer.WriteBytes(record.SymlinkTarget);
                break;
        }
        return writer.Length;
    }

    public InodeRecord Deserialize(ReadOnlySpan<byte> buffer) => Read(buffer);

    public static InodeRecord Read(ReadOnlySpan<byte> buffer)
    {
        var reader = new RecordReader(buffer);
        byte version = reader.ReadByte();
        if (version is not (Version or VersionWithoutRoot))
        {
            throw new InvalidDataException($"Inode record of version {version}; this build reads versions {VersionWithoutRoot} and {Version}.");
        }
        var type = (FileType)reader.ReadByte();
        var attributes = new InodeAttributes
        {
            Type = type,
            Mode = reader.ReadUInt32(),
            LinkCount = reader.ReadUInt32(),
            Uid = reader.ReadUInt32(),
            Gid = reader.ReadUInt32(),
            Size = reader.ReadUInt64(),
            Used = reader.ReadUInt64(),
            FileId = reader.ReadUInt64(),
            Generation = reader.ReadUInt32(),
            AccessTime = reader.ReadTime(),
            ModifyTime = reader.ReadTime(),
            ChangeTime = reader.ReadTime(),
        };
        ulong rootId = version == VersionWithoutRoot ? 0 : reader.ReadUInt64();
        switch (type)
        {
            case FileType.Regular:
                ulong low = reader.ReadUInt64();
                ulong high = reader.ReadUInt64();
                bool hasVerifier = reader.ReadByte() != 0;
                return new InodeRecord
                {
                    Attributes = attributes with { ContentId = new ContentId(new UInt128(high, low)) },
                    RootId = rootId,
                    CreateVerifier = hasVerifier ? reader.ReadUInt64() : null,
                };
            case FileType.Directory:
                return new InodeRecord
                {
                    Attributes = attributes,
                    RootId = rootId,
                    ParentId = reader.ReadUInt64(),
                    LastCookie = reader.ReadUInt64(),
                    EntryCount = reader.ReadUInt64(),
                };
            case FileType.BlockDevice or FileType.CharDevice:
                return new InodeRecord { Attributes = attributes with { Device = new DeviceNumber(reader.ReadUInt32(), reader.ReadUInt32()) }, RootId = rootId };
            case FileType.Symlink:
                return new InodeRecord { Attributes = attributes, RootId = rootId, SymlinkTarget = reader.Rest.ToArray() };
            default:
                return new InodeRecord { Attributes = attributes, RootId = rootId };
        }
    }
}
