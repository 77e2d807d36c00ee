using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4.0's sequencing of an open-owner's or lock-owner's operations (RFC 7530 §9.1.7): OPEN, OPEN_CONFIRM,
/// OPEN_DOWNGRADE and CLOSE carry the open-owner's seqid, LOCK and LOCKU the lock-owner's (a new lock-owner's LOCK the
/// open-owner's). The server keeps the last seqid and that operation's reply: the next seqid is a new request, the last
/// one a retransmission answered with the kept reply (not executed again) if it is the same operation, anything else
/// NFS4ERR_BAD_SEQID. An owner's first operation takes whatever seqid it carries. 4.1 ignores these seqids: its sessions give exactly-once.
/// </summary>
internal sealed class Nfs4OwnerSequence
{
    private readonly Lock _lock = new();
    private bool _started;
    private uint _last;
    private byte[] _reply = [];
    private Nfsstat4 _replyStatus;
    private Nfs4Fh _replyFilehandle;
    private NfsOpnum4 _replyOperation;

    public enum Verdict { Next, Replay, Bad }

    /// <summary>When the owner's sequence was last looked up (its operations), to forget an idle one (see <see cref="Nfs4Opens"/>).</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>4.0: the open this owner closed last, kept while its CLOSE may be retransmitted; dropped at the owner's next operation.</summary>
    public Nfs4Open? LastClosed { get; set; }

    public Verdict Check(uint seqid, NfsOpnum4 operation)
    {
        lock (_lock)
        {
            return !_started || seqid == unchecked(_last + 1) ? Verdict.Next
                : seqid == _last && operation == _replyOperation ? Verdict.Replay
                : Verdict.Bad;
        }
    }

    /// <summary>
    /// Keeps an executed operation's seqid and reply, unless its error is one that does not advance the sequence
    /// (RFC 7530 §9.1.7: the request could not be tied to the owner or was not understood). Returns whether it advanced.
    /// </summary>
    public bool Record(uint seqid, in NfsResop4 result, Nfsstat4 status, in Nfs4Fh current)
    {
        if (status is Nfsstat4.Nfs4errStaleClientid or Nfsstat4.Nfs4errStaleStateid or Nfsstat4.Nfs4errBadStateid or Nfsstat4.Nfs4errBadSeqid
            or Nfsstat4.Nfs4errBadxdr or Nfsstat4.Nfs4errResource or Nfsstat4.Nfs4errNofilehandle or Nfsstat4.Nfs4errMoved)
        {
            return false;
        }
        // Kept encoded: the result may point into buffers of this call, which are reused once it is answered.
        byte[] reply = XdrCodec.Encode(result);
        lock (_lock)
        {
            (_started, _last, _reply, _replyStatus, _replyFilehandle, _replyOperation) = (true, seqid, reply, status, current, result.Resop);
        }
        return true;
    }

    /// <summary>The kept reply of the last operation, and the current filehandle it left (an OPEN's file).</summary>
    public (NfsResop4, Nfsstat4) Replay(Nfs4Call call)
    {
        lock (_lock)
        {
            call.Current = _replyFilehandle;
            return (XdrCodec.Decode<NfsResop4>(_reply), _replyStatus);
        }
    }
}
