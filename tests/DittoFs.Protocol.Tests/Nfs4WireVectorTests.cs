using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// NFSv4 messages whose bytes were worked out by hand from idl/nfs4_prot.x (RFC 5662) and RFC 4506: a
/// COMPOUND of operations with and without arguments, a 4.0 CB_COMPOUND with its callback_ident, and a
/// SETCLIENTID result on its NFS4ERR_CLID_INUSE arm.
/// </summary>
public class Nfs4WireVectorTests
{
    [Test]
    public void COMPOUND_of_PUTROOTFH_GETFH_GETATTR()
    {
        byte[] bytes =
        [
            0x00, 0x00, 0x00, 0x04, // tag: length 4
            (byte)'t', (byte)'e', (byte)'s', (byte)'t',
            0x00, 0x00, 0x00, 0x00, // minorversion 0
            0x00, 0x00, 0x00, 0x03, // argarray: count 3
            0x00, 0x00, 0x00, 0x18, //   OP_PUTROOTFH (24): void
            0x00, 0x00, 0x00, 0x0A, //   OP_GETFH (10): void
            0x00, 0x00, 0x00, 0x09, //   OP_GETATTR (9): attr_request, a bitmap4 of
            0x00, 0x00, 0x00, 0x02, //     2 words
            0x00, 0x10, 0x01, 0x1A, //     type, change, size, fsid, fileid
            0x00, 0xB0, 0xA2, 0x3A, //     mode, numlinks, owner, ..., time_modify
        ];
        var compound = new Compound4Args
        {
            Tag = "test"u8.ToArray(),
            Minorversion = 0,
            Argarray = new NfsArgop4[]
            {
                new(NfsOpnum4.OpPutrootfh),
                new(NfsOpnum4.OpGetfh),
                NfsArgop4.FromOpgetattr(new Getattr4Args { AttrRequest = new uint[] { 0x0010011A, 0x00B0A23A } }),
            },
        };

        Assert.That(XdrCodec.Encode(compound), Is.EqualTo(bytes));
        var decoded = XdrCodec.Decode<Compound4Args>(bytes);
        var ops = decoded.Argarray.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(decoded.Tag.ToArray(), Is.EqualTo("test"u8.ToArray()));
            Assert.That(ops.Select(op => op.Argop), Is.EqualTo(new[] { NfsOpnum4.OpPutrootfh, NfsOpnum4.OpGetfh, NfsOpnum4.OpGetattr }));
            Assert.That(ops[2].Opgetattr.AttrRequest.ToArray(), Is.EqualTo(new uint[] { 0x0010011A, 0x00B0A23A }));
        });
    }

    [Test]
    public void An_operation_number_the_protocol_does_not_have_fails_the_whole_COMPOUND_as_an_unknown_enum_value()
    {
        // argop is an nfs_opnum4, so 2 (between NULL and ACCESS; OP_ILLEGAL is 10044) is not one of its values and
        // the arguments do not decode: the generated dispatcher answers GARBAGE_ARGS. RFC 5661 and RFC 7530 (COMPOUND,
        // operation ILLEGAL) want a COMPOUND reply ending in OP_ILLEGAL with NFS4ERR_OP_ILLEGAL instead, so a
        // server that follows it must read argarray itself up to the unknown operation.
        byte[] bytes = [0, 0, 0, 0, /* minorversion */ 0, 0, 0, 1, /* count */ 0, 0, 0, 1, /* argop */ 0, 0, 0, 2];
        var reader = new XdrReader(bytes);
        Compound4Args.Read(ref reader);
        Assert.That(reader.Error, Is.EqualTo(XdrError.UnknownEnumValue));
    }

    [Test]
    public void NFSv4_0_CB_COMPOUND_with_callback_ident_and_CB_RECALL()
    {
        byte[] bytes =
        [
            0x00, 0x00, 0x00, 0x00, // tag: length 0
            0x00, 0x00, 0x00, 0x00, // minorversion 0
            0x00, 0x00, 0x00, 0x07, // callback_ident 7 (the one SETCLIENTID gave)
            0x00, 0x00, 0x00, 0x01, // argarray: count 1
            0x00, 0x00, 0x00, 0x04, //   OP_CB_RECALL (4)
            0x00, 0x00, 0x00, 0x01, //   stateid.seqid 1
            0x01, 0x02, 0x03, 0x04, //   stateid.other: 12 bytes
            0x05, 0x06, 0x07, 0x08,
            0x09, 0x0A, 0x0B, 0x0C,
            0x00, 0x00, 0x00, 0x00, //   truncate FALSE
            0x00, 0x00, 0x00, 0x03, //   fh: length 3
            0xAA, 0xBB, 0xCC, 0x00, //   and 1 byte of padding
        ];
        byte[] other = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var callback = new CbCompound4Args
        {
            Tag = Array.Empty<byte>(),
            CallbackIdent = 7,
            Argarray = new NfsCbArgop4[]
            {
                NfsCbArgop4.FromOpcbrecall(new CbRecall4Args { Stateid = new Stateid4 { Seqid = 1, Other = other }, Fh = new byte[] { 0xAA, 0xBB, 0xCC } }),
            },
        };

        Assert.That(XdrCodec.Encode(callback), Is.EqualTo(bytes));
        var decoded = XdrCodec.Decode<CbCompound4Args>(bytes);
        var recall = decoded.Argarray.ToArray()[0].Opcbrecall;
        Assert.Multiple(() =>
        {
            Assert.That(decoded.CallbackIdent, Is.EqualTo(7u));
            Assert.That(recall.Stateid.Other.ToArray(), Is.EqualTo(other));
            Assert.That(recall.Fh.ToArray(), Is.EqualTo(new byte[] { 0xAA, 0xBB, 0xCC }));
        });
    }

    [Test]
    public void SETCLIENTID_result_NFS4ERR_CLID_INUSE_carries_the_address_in_use()
    {
        byte[] bytes =
        [
            0x00, 0x00, 0x27, 0x21, // status NFS4ERR_CLID_INUSE (10017)
            0x00, 0x00, 0x00, 0x03, // client_using.na_r_netid: length 3
            (byte)'t', (byte)'c', (byte)'p', 0x00,
            0x00, 0x00, 0x00, 0x0C, // client_using.na_r_addr: length 12
            (byte)'1', (byte)'0', (byte)'.', (byte)'0',
            (byte)'.', (byte)'0', (byte)'.', (byte)'1',
            (byte)'.', (byte)'8', (byte)'.', (byte)'1',
        ];
        var result = new Setclientid4Res
        {
            Status = Nfsstat4.Nfs4errClidInuse,
            ClientUsing = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = "10.0.0.1.8.1"u8.ToArray() },
        };

        Assert.That(XdrCodec.Encode(result), Is.EqualTo(bytes));
        var decoded = XdrCodec.Decode<Setclientid4Res>(bytes);
        Assert.That(decoded.ClientUsing.NaRAddr.ToArray(), Is.EqualTo("10.0.0.1.8.1"u8.ToArray()));
    }
}
