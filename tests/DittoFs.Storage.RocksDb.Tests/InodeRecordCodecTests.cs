using DittoFs.Storage.RocksDb.Records;
using NUnit.Framework;

namespace DittoFs.Storage.RocksDb.Tests;

[TestFixture]
public sealed class InodeRecordCodecTests
{
    private static readonly InodeAttributes Common = new()
    {
        Mode = 0x1ED,
        LinkCount = 3,
        Uid = 1000,
        Gid = 100,
        Size = 123_456_789_012,
        Used = 123_456_790_528,
        FileId = 0x0102030405060708,
        Generation = 0xDEADBEEF,
        AccessTime = new FileTime(-5, 999_999_999),
        ModifyTime = new FileTime(1_700_000_000, 1),
        ChangeTime = new FileTime(long.MaxValue, 0),
    };

    private static readonly Dictionary<string, InodeRecord> Records = new()
    {
        ["regular file"] = new InodeRecord
        {
            Attributes = Common with { Type = FileType.Regular, ContentId = new ContentId(new UInt128(0xAAAA, 0xBBBB)) },
        },
        ["regular file with a create verifier of 0"] = new InodeRecord
        {
            Attributes = Common with { Type = FileType.Regular, ContentId = new ContentId(UInt128.MaxValue) },
            CreateVerifier = 0,
        },
        ["directory"] = new InodeRecord
        {
            Attributes = Common with { Type = FileType.Directory },
            ParentId = 42,
            LastCookie = ulong.MaxValue - 1,
            EntryCount = 7,
        },
        ["character device"] = new InodeRecord { Attributes = Common with { Type = FileType.CharDevice, Device = new DeviceNumber(1, 3) } },
        ["fifo"] = new InodeRecord { Attributes = Common with { Type = FileType.Fifo } },
    };

    [TestCase("regular file")]
    [TestCase("regular file with a create verifier of 0")]
    [TestCase("directory")]
    [TestCase("character device")]
    [TestCase("fifo")]
    public void A_record_reads_back_as_written(string kind)
    {
        var record = Records[kind];
        var buffer = new byte[InodeRecordCodec.LengthOf(record)];

        int written = InodeRecordCodec.Write(record, buffer);
        var read = InodeRecordCodec.Read(buffer);

        Assert.That(written, Is.EqualTo(buffer.Length));
        Assert.That(read, Is.EqualTo(record));
    }

    [Test]
    public void A_symlink_reads_back_with_its_target()
    {
        byte[] target = [.. "../a/b"u8, 0xFF];
        var record = new InodeRecord { Attributes = Common with { Type = FileType.Symlink }, SymlinkTarget = target };
        var buffer = new byte[InodeRecordCodec.LengthOf(record)];

        InodeRecordCodec.Write(record, buffer);
        var read = InodeRecordCodec.Read(buffer);

        Assert.That(read.Attributes, Is.EqualTo(record.Attributes));
        Assert.That(read.SymlinkTarget, Is.EqualTo(target));
    }

    [Test]
    public void A_record_of_an_unknown_version_is_refused()
    {
        var record = new InodeRecord { Attributes = Common with { Type = FileType.Fifo } };
        var buffer = new byte[InodeRecordCodec.LengthOf(record)];
        InodeRecordCodec.Write(record, buffer);
        buffer[0] = 99;

        Assert.That(() => InodeRecordCodec.Read(buffer), Throws.TypeOf<InvalidDataException>());
    }
}
