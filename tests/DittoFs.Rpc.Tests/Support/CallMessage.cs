using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>Builds call messages byte by byte, including the malformed ones a raw-socket test sends.</summary>
internal static class CallMessage
{
    /// <summary>An rpc_msg CALL (RFC 5531 §9) followed by already-encoded arguments.</summary>
    public static byte[] Build(uint xid, uint program, uint version, uint procedure, byte[]? arguments = null,
        uint rpcVersion = 2, uint credentialFlavor = 0, byte[]? credentialBody = null)
    {
        var message = new RpcMsg
        {
            Xid = xid,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Call,
                Cbody = new CallBody
                {
                    Rpcvers = rpcVersion,
                    Prog = program,
                    Vers = version,
                    Proc = procedure,
                    Cred = new OpaqueAuth { Flavor = credentialFlavor, Body = credentialBody ?? [] },
                    Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                },
            },
        };
        return [.. XdrCodec.Encode(in message), .. arguments ?? []];
    }

    /// <summary>A call of <see cref="TestProgram"/> version 1.</summary>
    public static byte[] Test(uint xid, uint procedure, byte[]? arguments = null) =>
        Build(xid, TestProgram.Number, 1, procedure, arguments);

    public static byte[] Echo(uint xid, byte[] data) =>
        Test(xid, TestProcedure.Echo, XdrCodec.Encode<ReadOnlyMemory<byte>, OpaqueCodec>(data));

    public static byte[] Gated(uint xid, uint gate) =>
        Test(xid, TestProcedure.Gated, XdrCodec.Encode<uint, XdrUInt32Codec>(gate));

    /// <summary>An AUTH_SYS credential body (RFC 5531 appendix A).</summary>
    public static byte[] AuthSysBody(uint uid, uint gid, uint[] gids, string machineName) =>
        XdrCodec.Encode(new AuthsysParms
        {
            Stamp = 7,
            Machinename = System.Text.Encoding.ASCII.GetBytes(machineName),
            Uid = uid,
            Gid = gid,
            Gids = gids,
        });

    /// <summary>One record (RFC 5531 §11): a single last fragment.</summary>
    public static byte[] Record(byte[] message) => Fragments(message, message.Length);

    /// <summary>A record cut into fragments of the given sizes (the last one takes the rest).</summary>
    public static byte[] Fragments(byte[] message, params int[] sizes)
    {
        var output = new List<byte>();
        int offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            bool last = i == sizes.Length - 1;
            int length = last ? message.Length - offset : sizes[i];
            output.AddRange(FragmentHeader(length, last));
            output.AddRange(message.AsSpan(offset, length).ToArray());
            offset += length;
        }
        return [.. output];
    }

    public static byte[] FragmentHeader(int length, bool last)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (last ? 0x8000_0000u : 0) | (uint)length);
        return header;
    }
}
