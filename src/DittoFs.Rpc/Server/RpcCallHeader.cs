using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>How far a call message decoded, which decides how (and whether) it can be answered.</summary>
internal enum CallHeaderStatus
{
    /// <summary>A well-formed RPC version 2 call; arguments follow.</summary>
    Ok,
    /// <summary>rpcvers is not 2: answer MSG_DENIED / RPC_MISMATCH (the rest may be laid out differently).</summary>
    RpcVersionMismatch,
    /// <summary>The fixed words after the xid are cut short: answer GARBAGE_ARGS.</summary>
    Truncated,
    /// <summary>The credential does not decode as an opaque_auth: answer AUTH_ERROR / AUTH_BADCRED.</summary>
    BadCredential,
    /// <summary>The verifier does not decode as an opaque_auth: answer AUTH_ERROR / AUTH_BADVERF.</summary>
    BadVerifier,
}

/// <summary>
/// The call_body of an rpc_msg (RFC 5531 §9), decoded field by field so each failure maps to the answer
/// the RFC gives for it. Credential and verifier bodies are slices of the record.
/// </summary>
internal struct RpcCallHeader
{
    public uint Xid;
    public uint RpcVersion;
    public uint Program;
    public uint Version;
    public uint Procedure;
    public OpaqueAuth Credential;
    public OpaqueAuth Verifier;

    /// <summary>
    /// True when the record can be answered at all: it holds an xid and says it is a CALL. Anything else
    /// (a REPLY, an unknown message type, fewer than eight bytes) closes the connection: no xid can be
    /// trusted to answer, and on a byte stream the bytes after garbage cannot be trusted either.
    /// </summary>
    public static bool IsCall(ReadOnlySpan<byte> record) =>
        record.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(record[4..]) == (uint)MsgType.Call;

    /// <summary>Decodes a record for which <see cref="IsCall"/> holds; <paramref name="arguments"/> is the rest of it.</summary>
    public static CallHeaderStatus Decode(ReadOnlyMemory<byte> record, out RpcCallHeader header, out ReadOnlyMemory<byte> arguments)
    {
        header = default;
        arguments = default;
        var reader = new XdrReader(record);
        header.Xid = reader.ReadUInt32();
        reader.ReadUInt32(); // msg_type, checked by IsCall
        header.RpcVersion = reader.ReadUInt32();
        if (reader.HasError)
            return CallHeaderStatus.Truncated;
        if (header.RpcVersion != RpcVersion2)
            return CallHeaderStatus.RpcVersionMismatch;
        header.Program = reader.ReadUInt32();
        header.Version = reader.ReadUInt32();
        header.Procedure = reader.ReadUInt32();
        if (reader.HasError)
            return CallHeaderStatus.Truncated;
        header.Credential = OpaqueAuth.Read(ref reader);
        if (reader.HasError)
            return CallHeaderStatus.BadCredential;
        header.Verifier = OpaqueAuth.Read(ref reader);
        if (reader.HasError)
            return CallHeaderStatus.BadVerifier;
        arguments = reader.RemainingMemory;
        return CallHeaderStatus.Ok;
    }

    /// <summary>The only RPC protocol version there is (RFC 5531 §9: "must be equal to two").</summary>
    public const uint RpcVersion2 = 2;
}
