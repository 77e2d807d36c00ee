using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// Encodes reply messages (RFC 5531 §9) into a reply buffer that starts with room for the record mark
/// (§11). A successful reply's header goes in before dispatch so the dispatcher appends its result right
/// behind it; an error reply replaces whatever followed the record mark.
/// </summary>
internal static class RpcReplyWriter
{
    /// <summary>Empties the buffer and reserves the record mark, filled in by <see cref="Finish"/>.</summary>
    public static void Begin(XdrBufferWriter reply)
    {
        reply.Clear();
        reply.GetSpan(RecordMark.Length);
        reply.Advance(RecordMark.Length);
    }

    /// <summary>Drops anything after the record mark (a result or header that an error replaces).</summary>
    public static void Restart(XdrBufferWriter reply) => reply.Truncate(RecordMark.Length);

    /// <summary>MSG_ACCEPTED with an AUTH_NONE verifier: SUCCESS (results follow), PROG_MISMATCH (with the range) or a void error.</summary>
    public static void WriteAccepted(XdrBufferWriter reply, uint xid, AcceptStat status, uint low = 0, uint high = 0)
    {
        var message = new RpcMsg
        {
            Xid = xid,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Reply,
                Rbody = new ReplyBody
                {
                    Stat = ReplyStat.MsgAccepted,
                    Areply = new AcceptedReply
                    {
                        Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                        ReplyData = new AcceptedReplyReplyData
                        {
                            Stat = status,
                            MismatchInfo = new AcceptedReplyReplyDataMismatchInfo { Low = low, High = high },
                        },
                    },
                },
            },
        };
        reply.Write<RpcMsg, RpcMsg>(in message);
    }

    /// <summary>MSG_DENIED / RPC_MISMATCH: this server speaks RPC version 2 only.</summary>
    public static void WriteRpcMismatch(XdrBufferWriter reply, uint xid) =>
        WriteDenied(reply, xid, new RejectedReply
        {
            Stat = RejectStat.RpcMismatch,
            MismatchInfo = new RejectedReplyMismatchInfo { Low = RpcCallHeader.RpcVersion2, High = RpcCallHeader.RpcVersion2 },
        });

    /// <summary>MSG_DENIED / AUTH_ERROR with the reason.</summary>
    public static void WriteAuthError(XdrBufferWriter reply, uint xid, AuthStat why) =>
        WriteDenied(reply, xid, new RejectedReply { Stat = RejectStat.AuthError, Why = why });

    private static void WriteDenied(XdrBufferWriter reply, uint xid, in RejectedReply rejection)
    {
        var message = new RpcMsg
        {
            Xid = xid,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Reply,
                Rbody = new ReplyBody { Stat = ReplyStat.MsgDenied, Rreply = rejection },
            },
        };
        reply.Write<RpcMsg, RpcMsg>(in message);
    }

    /// <summary>Fills the record mark: the whole reply, with the bytes of an opaque sent out of line, is one last fragment.</summary>
    public static void Finish(XdrBufferWriter reply) =>
        RecordMark.WriteSingleFragment(reply.WrittenSpan, reply.WrittenCount - RecordMark.Length + reply.OutOfLineLength);
}
