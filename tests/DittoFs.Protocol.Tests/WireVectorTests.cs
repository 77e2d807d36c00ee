using System.Text;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// Messages whose bytes were worked out by hand from RFC 5531 (RPC), RFC 1813 (NFSv3) and RFC 4506 (XDR):
/// big-endian 4-byte units, hypers as 8 bytes, opaques as a length then the bytes zero-padded to 4, a bool
/// as 0 or 1, and a self-linked list as TRUE before each element and FALSE after the last.
/// </summary>
public class WireVectorTests
{
    [Test]
    public void Rpc_call_header_with_AUTH_SYS_credentials()
    {
        byte[] authSys =
        [
            0x01, 0x02, 0x03, 0x04, // stamp
            0x00, 0x00, 0x00, 0x09, // machinename length 9
            (byte)'n', (byte)'f', (byte)'s', (byte)'c',
            (byte)'l', (byte)'i', (byte)'e', (byte)'n',
            (byte)'t', 0x00, 0x00, 0x00, // ... "t" and 3 bytes of padding
            0x00, 0x00, 0x03, 0xE8, // uid 1000
            0x00, 0x00, 0x00, 0x64, // gid 100
            0x00, 0x00, 0x00, 0x02, // gids: count 2
            0x00, 0x00, 0x00, 0x64, //   100
            0x00, 0x00, 0x00, 0x1B, //   27
        ];
        byte[] expected =
        [
            0x12, 0x34, 0x56, 0x78, // xid
            0x00, 0x00, 0x00, 0x00, // mtype CALL
            0x00, 0x00, 0x00, 0x02, // rpcvers 2
            0x00, 0x01, 0x86, 0xA3, // prog 100003 (NFS)
            0x00, 0x00, 0x00, 0x03, // vers 3
            0x00, 0x00, 0x00, 0x01, // proc 1 (GETATTR)
            0x00, 0x00, 0x00, 0x01, // cred.flavor AUTH_SYS
            0x00, 0x00, 0x00, 0x28, // cred.body length 40: the authsys_parms above
            .. authSys,
            0x00, 0x00, 0x00, 0x00, // verf.flavor AUTH_NONE
            0x00, 0x00, 0x00, 0x00, // verf.body length 0
        ];

        var credentials = new AuthsysParms
        {
            Stamp = 0x01020304,
            Machinename = "nfsclient"u8.ToArray(),
            Uid = 1000,
            Gid = 100,
            Gids = new uint[] { 100, 27 },
        };
        Assert.That(XdrCodec.Encode(credentials), Is.EqualTo(authSys));
        var call = new RpcMsg
        {
            Xid = 0x12345678,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Call,
                Cbody = new CallBody
                {
                    Rpcvers = 2,
                    Prog = NfsV3Program.Program,
                    Vers = NfsV3Program.Version,
                    Proc = (uint)NfsV3Procedure.Getattr,
                    Cred = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthSys, Body = authSys },
                    Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                },
            },
        };
        Assert.That(XdrCodec.Encode(call), Is.EqualTo(expected));

        var decoded = XdrCodec.Decode<RpcMsg>(expected);
        Assert.That(decoded.Xid, Is.EqualTo(0x12345678u));
        Assert.That(decoded.Body.Mtype, Is.EqualTo(MsgType.Call));
        Assert.That(decoded.Body.Cbody.Prog, Is.EqualTo(100003u));
        Assert.That(decoded.Body.Cbody.Proc, Is.EqualTo(1u));
        Assert.That(decoded.Body.Cbody.Cred.Flavor, Is.EqualTo((uint)AuthFlavor.AuthSys));
        var decodedCredentials = XdrCodec.Decode<AuthsysParms>(decoded.Body.Cbody.Cred.Body);
        Assert.That(Encoding.ASCII.GetString(decodedCredentials.Machinename.Span), Is.EqualTo("nfsclient"));
        Assert.That(decodedCredentials.Uid, Is.EqualTo(1000u));
        Assert.That(decodedCredentials.Gid, Is.EqualTo(100u));
        Assert.That(decodedCredentials.Gids.ToArray(), Is.EqualTo(new uint[] { 100, 27 }));
        Assert.That(decoded.Body.Cbody.Verf.Body.Length, Is.Zero);
    }

    [Test]
    public void Rpc_accepted_reply_header_with_SUCCESS()
    {
        byte[] expected =
        [
            0x12, 0x34, 0x56, 0x78, // xid
            0x00, 0x00, 0x00, 0x01, // mtype REPLY
            0x00, 0x00, 0x00, 0x00, // reply_stat MSG_ACCEPTED
            0x00, 0x00, 0x00, 0x00, // verf.flavor AUTH_NONE
            0x00, 0x00, 0x00, 0x00, // verf.body length 0
            0x00, 0x00, 0x00, 0x00, // accept_stat SUCCESS; results[0] is empty, the procedure's result follows
        ];
        var reply = new RpcMsg
        {
            Xid = 0x12345678,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Reply,
                Rbody = new ReplyBody
                {
                    Stat = ReplyStat.MsgAccepted,
                    Areply = new AcceptedReply
                    {
                        Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                        ReplyData = new AcceptedReplyReplyData { Stat = AcceptStat.Success },
                    },
                },
            },
        };

        Assert.That(XdrCodec.Encode(reply), Is.EqualTo(expected));
        Assert.That(XdrCodec.Decode<RpcMsg>(expected).Body.Rbody.Areply.ReplyData.Stat, Is.EqualTo(AcceptStat.Success));
    }

    [Test]
    public void GETATTR3res_NFS3_OK_with_fattr3()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00, // status NFS3_OK
            0x00, 0x00, 0x00, 0x01, // type NF3REG
            0x00, 0x00, 0x01, 0xA4, // mode 0644
            0x00, 0x00, 0x00, 0x01, // nlink 1
            0x00, 0x00, 0x03, 0xE8, // uid 1000
            0x00, 0x00, 0x03, 0xE9, // gid 1001
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, // size 4096
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, // used 8192
            0x00, 0x00, 0x00, 0x00, // rdev.specdata1
            0x00, 0x00, 0x00, 0x00, // rdev.specdata2
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, // fsid 42
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // fileid 0x1_0000_0002
            0x65, 0x00, 0x00, 0x00, // atime.seconds
            0x00, 0x0F, 0x42, 0x40, // atime.nseconds 1000000
            0x65, 0x00, 0x00, 0x01, // mtime.seconds
            0x00, 0x00, 0x00, 0x00, // mtime.nseconds
            0x65, 0x00, 0x00, 0x02, // ctime.seconds
            0x3B, 0x9A, 0xC9, 0xFF, // ctime.nseconds 999999999
        ];
        var result = new Getattr3Res
        {
            Status = Nfsstat3.Nfs3Ok,
            Resok = new Getattr3Resok
            {
                ObjAttributes = new Fattr3
                {
                    Type = Ftype3.Nf3reg,
                    Mode = 0x1A4,
                    Nlink = 1,
                    Uid = 1000,
                    Gid = 1001,
                    Size = 4096,
                    Used = 8192,
                    Rdev = default,
                    Fsid = 42,
                    Fileid = 0x1_0000_0002,
                    Atime = new Nfstime3 { Seconds = 0x65000000, Nseconds = 1_000_000 },
                    Mtime = new Nfstime3 { Seconds = 0x65000001, Nseconds = 0 },
                    Ctime = new Nfstime3 { Seconds = 0x65000002, Nseconds = 999_999_999 },
                },
            },
        };

        Assert.That(XdrCodec.Encode(result), Is.EqualTo(expected));
        var decoded = XdrCodec.Decode<Getattr3Res>(expected).Resok.ObjAttributes;
        Assert.That(decoded.Type, Is.EqualTo(Ftype3.Nf3reg));
        Assert.That(decoded.Fileid.Value, Is.EqualTo(0x1_0000_0002ul));
        Assert.That(decoded.Ctime.Nseconds, Is.EqualTo(999_999_999u));
    }

    [Test]
    public void GETATTR3res_error_has_no_body()
    {
        byte[] expected = [0x00, 0x00, 0x00, 0x46]; // status NFS3ERR_STALE (70), void arm
        Assert.That(XdrCodec.Encode(new Getattr3Res { Status = Nfsstat3.Nfs3errStale }), Is.EqualTo(expected));
    }

    [Test]
    public void READ3args()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x06, // file.data length 6
            0xDE, 0xAD, 0xBE, 0xEF,
            0x00, 0x01, 0x00, 0x00, // ... last 2 bytes of the handle, then 2 bytes of padding
            0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // offset 65536
            0x00, 0x00, 0x80, 0x00, // count 32768
        ];
        var arguments = new Read3Args
        {
            File = new NfsFh3 { Data = new byte[] { 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01 } },
            Offset = 65536,
            Count = 32768,
        };

        Assert.That(XdrCodec.Encode(arguments), Is.EqualTo(expected));
        var decoded = XdrCodec.Decode<Read3Args>(expected);
        Assert.That(decoded.File.Data.ToArray(), Is.EqualTo(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01 }));
        Assert.That(decoded.Offset.Value, Is.EqualTo(65536ul));
        Assert.That(decoded.Count.Value, Is.EqualTo(32768u));
    }

    [Test]
    public void READDIRPLUS3res_with_two_entries()
    {
        byte[] expected =
        [
            0x00, 0x00, 0x00, 0x00, // status NFS3_OK
            0x00, 0x00, 0x00, 0x00, // dir_attributes: attributes_follow FALSE
            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // cookieverf (fixed 8 bytes, no length)
            0x00, 0x00, 0x00, 0x01, // TRUE: an entry follows
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, //   fileid 2
            0x00, 0x00, 0x00, 0x01, //   name length 1
            (byte)'a', 0x00, 0x00, 0x00, //   "a" and 3 bytes of padding
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, //   cookie 1
            0x00, 0x00, 0x00, 0x00, //   name_attributes: FALSE
            0x00, 0x00, 0x00, 0x01, //   name_handle: TRUE
            0x00, 0x00, 0x00, 0x04, //     data length 4
            0xAA, 0xBB, 0xCC, 0xDD, //     data
            0x00, 0x00, 0x00, 0x01, // TRUE: another entry follows
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, //   fileid 3
            0x00, 0x00, 0x00, 0x05, //   name length 5
            (byte)'h', (byte)'e', (byte)'l', (byte)'l',
            (byte)'o', 0x00, 0x00, 0x00, //   ... "o" and 3 bytes of padding
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, //   cookie 2
            0x00, 0x00, 0x00, 0x00, //   name_attributes: FALSE
            0x00, 0x00, 0x00, 0x00, //   name_handle: FALSE
            0x00, 0x00, 0x00, 0x00, // FALSE: no more entries
            0x00, 0x00, 0x00, 0x01, // eof TRUE
        ];
        var result = new Readdirplus3Res
        {
            Status = Nfsstat3.Nfs3Ok,
            Resok = new Readdirplus3Resok
            {
                DirAttributes = new PostOpAttr { AttributesFollow = false },
                Cookieverf = new byte[] { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 },
                Reply = new Dirlistplus3
                {
                    Entries = new[]
                    {
                        new Entryplus3
                        {
                            Fileid = 2,
                            Name = "a"u8.ToArray(),
                            Cookie = 1,
                            NameHandle = new PostOpFh3 { HandleFollows = true, Handle = new NfsFh3 { Data = new byte[] { 0xAA, 0xBB, 0xCC, 0xDD } } },
                        },
                        new Entryplus3 { Fileid = 3, Name = "hello"u8.ToArray(), Cookie = 2 },
                    },
                    Eof = true,
                },
            },
        };

        Assert.That(XdrCodec.Encode(result), Is.EqualTo(expected));

        var decoded = XdrCodec.Decode<Readdirplus3Res>(expected);
        Assert.That(decoded.Resok.Reply.Eof, Is.True);
        Assert.That(decoded.Resok.Reply.Entries.Count, Is.EqualTo(2));
        var entries = decoded.Resok.Reply.Entries.ToArray();
        Assert.That(entries.Select(e => Encoding.ASCII.GetString(e.Name.Span)), Is.EqualTo(new[] { "a", "hello" }));
        Assert.That(entries.Select(e => e.Cookie.Value), Is.EqualTo(new ulong[] { 1, 2 }));
        Assert.That(entries[0].NameHandle.Handle.Data.ToArray(), Is.EqualTo(new byte[] { 0xAA, 0xBB, 0xCC, 0xDD }));
        Assert.That(entries[1].NameHandle.HandleFollows, Is.False);
        // Re-encoding a decoded list sends its bytes again.
        Assert.That(XdrCodec.Encode(decoded), Is.EqualTo(expected));
    }
}
