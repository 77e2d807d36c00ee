using System.Collections.Concurrent;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>A call waiting for its reply, completed with the result bytes or an <see cref="RpcException"/>.</summary>
internal sealed class PendingRpcCall(uint program, uint version, uint procedure)
    : TaskCompletionSource<ReadOnlyMemory<byte>>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public uint Program { get; } = program;
    public uint Version { get; } = version;
    public uint Procedure { get; } = procedure;
}

/// <summary>
/// The message side of an RPC client, the same for every transport: encoding a call (RFC 5531 §9), with room for the
/// record mark when it goes over TCP, and matching a reply to its pending call by xid.
/// </summary>
internal static class RpcCallMessages
{
    /// <summary>
    /// Registers <paramref name="call"/> under a fresh xid, the counter's next value that no call in flight holds (the
    /// counter wraps, and a call waiting long enough may still hold a value it comes back to).
    /// </summary>
    public static uint Register(ConcurrentDictionary<uint, PendingRpcCall> pending, ref int nextXid, PendingRpcCall call)
    {
        uint xid;
        do
            xid = (uint)Interlocked.Increment(ref nextXid);
        while (!pending.TryAdd(xid, call));
        return xid;
    }

    /// <summary>The encoded call; over a stream (<paramref name="recordMarked"/>) it is one record of one fragment.</summary>
    public static XdrBufferWriter Encode<TArguments, TCodec>(uint xid, uint program, uint version, uint procedure, in OpaqueAuth credential, in TArguments arguments, bool recordMarked)
        where TCodec : IXdrCodec<TArguments>
    {
        var header = new RpcMsg
        {
            Xid = xid,
            Body = new RpcMsgBody
            {
                Mtype = MsgType.Call,
                Cbody = new CallBody
                {
                    Rpcvers = RpcCallHeader.RpcVersion2,
                    Prog = program,
                    Vers = version,
                    Proc = procedure,
                    Cred = credential,
                    Verf = new OpaqueAuth { Flavor = (uint)AuthFlavor.AuthNone },
                },
            },
        };
        int mark = recordMarked ? RecordMark.Length : 0;
        var message = new XdrBufferWriter(mark + RpcMsg.SizeOf(in header) + TCodec.SizeOf(in arguments));
        if (recordMarked)
        {
            message.GetSpan(RecordMark.Length);
            message.Advance(RecordMark.Length);
        }
        message.Write<RpcMsg, RpcMsg>(in header);
        message.Write<TArguments, TCodec>(in arguments);
        if (recordMarked)
            RecordMark.WriteSingleFragment(message.WrittenSpan);
        return message;
    }

    /// <summary>
    /// Completes the call a reply answers (a copy of its results, or an <see cref="RpcException"/>); a reply nobody waits
    /// for (timed out, cancelled, or a duplicate of one already delivered) is ignored. False if the message is not a
    /// well-formed RPC reply at all.
    /// </summary>
    public static bool Deliver(ReadOnlyMemory<byte> message, ConcurrentDictionary<uint, PendingRpcCall> pending)
    {
        var reader = new XdrReader(message);
        var decoded = RpcMsg.Read(ref reader);
        if (reader.HasError || decoded.Body.Mtype != MsgType.Reply)
            return false;
        if (!pending.TryRemove(decoded.Xid, out var call))
            return true;
        var reply = decoded.Body.Rbody;
        if (reply.Stat == ReplyStat.MsgAccepted && reply.Areply.ReplyData.Stat == AcceptStat.Success)
            call.TrySetResult(reader.RemainingMemory.ToArray());
        else
            call.TrySetException(RpcException.FromReply(decoded.Xid, call.Program, call.Version, call.Procedure, reply));
        return true;
    }
}
