using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>A reply read off a raw socket: the decoded rpc_msg header and the result bytes behind it.</summary>
internal sealed record ReplyMessage(uint Xid, ReplyBody Body, byte[] Results)
{
    public static ReplyMessage Parse(byte[] record)
    {
        var reader = new XdrReader(record);
        var message = RpcMsg.Read(ref reader);
        reader.ThrowIfError();
        Assert.That(message.Body.Mtype, Is.EqualTo(MsgType.Reply));
        return new ReplyMessage(message.Xid, message.Body.Rbody, reader.RemainingMemory.ToArray());
    }

    public bool IsAccepted(AcceptStat status) =>
        Body.Stat == ReplyStat.MsgAccepted && Body.Areply.ReplyData.Stat == status;

    public AcceptStat? AcceptStatus => Body.Stat == ReplyStat.MsgAccepted ? Body.Areply.ReplyData.Stat : null;

    public void AssertSuccess(uint xid)
    {
        Assert.That(Xid, Is.EqualTo(xid));
        Assert.That(AcceptStatus, Is.EqualTo(AcceptStat.Success));
    }

    public T Decode<T, TCodec>() where TCodec : IXdrCodec<T> => XdrCodec.Decode<T, TCodec>(Results);
}
