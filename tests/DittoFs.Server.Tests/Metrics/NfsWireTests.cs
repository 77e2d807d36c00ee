using DittoFs.Nfs;
using DittoFs.Protocol;
using DittoFs.Server.Metrics;
using DittoFs.Xdr;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>The fields metrics read from NFSv3 messages, checked against messages the generated codecs encode.</summary>
public sealed class NfsWireTests
{
    private static readonly PostOpAttr WithAttributes = new() { AttributesFollow = true, Attributes = new Fattr3 { Type = Ftype3.Nf3reg, Size = 4096, Fileid = 7 } };

    internal static byte[] Encode<T>(in T value) where T : IXdrCodec<T>
    {
        using var buffer = new XdrBufferWriter();
        buffer.Write<T, T>(in value);
        return buffer.WrittenSpan.ToArray();
    }

    internal static byte[] ReadReply(uint count, bool attributes = true) => Encode(new Read3Res
    {
        Status = Nfsstat3.Nfs3Ok,
        Resok = new Read3Resok { FileAttributes = attributes ? WithAttributes : default, Count = count, Eof = true, Data = new byte[count] },
    });

    internal static byte[] WriteReply(uint count) => Encode(new Write3Res
    {
        Status = Nfsstat3.Nfs3Ok,
        Resok = new Write3Resok
        {
            FileWcc = new WccData { Before = new PreOpAttr { AttributesFollow = true, Attributes = new WccAttr { Size = 1 } }, After = WithAttributes },
            Count = count,
            Committed = StableHow.FileSync,
            Verf = new byte[8],
        },
    });

    [Test]
    public void A_read_reply_gives_its_byte_count_with_or_without_attributes()
    {
        Assert.That(NfsWire.ReadReplyCount(ReadReply(1000)), Is.EqualTo(1000));
        Assert.That(NfsWire.ReadReplyCount(ReadReply(12, attributes: false)), Is.EqualTo(12));
    }

    [Test]
    public void A_write_reply_gives_its_byte_count_past_the_wcc_data() =>
        Assert.That(NfsWire.WriteReplyCount(WriteReply(65536)), Is.EqualTo(65536));

    [Test]
    public void A_truncated_reply_reads_as_unknown_instead_of_throwing()
    {
        Assert.That(NfsWire.ReadReplyCount(ReadReply(1000).AsSpan(0, 40)), Is.EqualTo(-1));
        Assert.That(NfsWire.WriteReplyCount([0, 0, 0, 0, 0, 0, 0, 9]), Is.EqualTo(-1), "a bool that is neither TRUE nor FALSE");
    }

    [Test]
    public void The_status_is_the_first_word()
    {
        var reply = Encode(new Getattr3Res { Status = Nfsstat3.Nfs3errStale });
        Assert.That(NfsWire.TryReadStatus(reply, out uint status), Is.True);
        Assert.That(status, Is.EqualTo((uint)Nfsstat3.Nfs3errStale));
    }

    [Test]
    public void The_share_comes_from_the_file_handle_the_arguments_start_with()
    {
        var handle = new FileHandle(0xCAFE, 42, 1).ToArray();
        var arguments = Encode(new Read3Args { File = new NfsFh3 { Data = handle }, Offset = 0, Count = 10 });
        Assert.That(NfsWire.TryReadShareId(arguments, out uint share), Is.True);
        Assert.That(share, Is.EqualTo(0xCAFEu));
    }

    [Test]
    public void A_handle_this_server_cannot_have_made_names_no_share()
    {
        var arguments = Encode(new Getattr3Args { Object = new NfsFh3 { Data = new byte[32] } });
        Assert.That(NfsWire.TryReadShareId(arguments, out _), Is.False);
        Assert.That(NfsWire.TryReadShareId([0, 0, 0, 24, 1], out _), Is.False, "cut short");
    }
}
