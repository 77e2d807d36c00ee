using DittoFs.Protocol;

namespace DittoFs.Rpc;

/// <summary>
/// A call the server answered with anything but MSG_ACCEPTED / SUCCESS (RFC 5531 §9). Which status fields
/// are set depends on <see cref="ReplyStatus"/>: <see cref="AcceptStatus"/> for MSG_ACCEPTED,
/// <see cref="RejectStatus"/> (and <see cref="AuthStatus"/> for AUTH_ERROR) for MSG_DENIED.
/// <see cref="MismatchLow"/> and <see cref="MismatchHigh"/> carry the supported range of PROG_MISMATCH
/// (program versions) and RPC_MISMATCH (RPC versions), 0 otherwise.
/// </summary>
public sealed class RpcException : Exception
{
    private RpcException(string message, uint xid, uint program, uint version, uint procedure, in ReplyBody reply)
        : base(message)
    {
        Xid = xid;
        Program = program;
        Version = version;
        Procedure = procedure;
        ReplyStatus = reply.Stat;
        if (reply.Stat == ReplyStat.MsgAccepted)
        {
            AcceptStatus = reply.Areply.ReplyData.Stat;
            if (AcceptStatus == AcceptStat.ProgMismatch)
                (MismatchLow, MismatchHigh) = (reply.Areply.ReplyData.MismatchInfo.Low, reply.Areply.ReplyData.MismatchInfo.High);
        }
        else
        {
            RejectStatus = reply.Rreply.Stat;
            if (RejectStatus == RejectStat.AuthError)
                AuthStatus = reply.Rreply.Why;
            else
                (MismatchLow, MismatchHigh) = (reply.Rreply.MismatchInfo.Low, reply.Rreply.MismatchInfo.High);
        }
    }

    public uint Xid { get; }
    public uint Program { get; }
    public uint Version { get; }
    public uint Procedure { get; }
    public ReplyStat ReplyStatus { get; }
    public AcceptStat? AcceptStatus { get; }
    public RejectStat? RejectStatus { get; }
    public AuthStat? AuthStatus { get; }
    public uint MismatchLow { get; }
    public uint MismatchHigh { get; }

    internal static RpcException FromReply(uint xid, uint program, uint version, uint procedure, in ReplyBody reply)
    {
        string call = $"RPC call to program {program} version {version} procedure {procedure} (xid 0x{xid:x8})";
        string answer = reply.Stat == ReplyStat.MsgAccepted
            ? reply.Areply.ReplyData.Stat switch
            {
                AcceptStat.ProgMismatch => $"PROG_MISMATCH (versions {reply.Areply.ReplyData.MismatchInfo.Low} to {reply.Areply.ReplyData.MismatchInfo.High} are served)",
                var status => AcceptName(status),
            }
            : reply.Rreply.Stat == RejectStat.RpcMismatch
                ? $"RPC_MISMATCH (RPC versions {reply.Rreply.MismatchInfo.Low} to {reply.Rreply.MismatchInfo.High} are spoken)"
                : $"AUTH_ERROR ({AuthName(reply.Rreply.Why)})";
        return new RpcException($"{call} was answered {answer}.", xid, program, version, procedure, reply);
    }

    private static string AcceptName(AcceptStat status) => status switch
    {
        AcceptStat.ProgUnavail => "PROG_UNAVAIL",
        AcceptStat.ProcUnavail => "PROC_UNAVAIL",
        AcceptStat.GarbageArgs => "GARBAGE_ARGS",
        AcceptStat.SystemErr => "SYSTEM_ERR",
        _ => status.ToString(),
    };

    private static string AuthName(AuthStat status) => status switch
    {
        AuthStat.AuthBadcred => "AUTH_BADCRED",
        AuthStat.AuthRejectedcred => "AUTH_REJECTEDCRED",
        AuthStat.AuthBadverf => "AUTH_BADVERF",
        AuthStat.AuthRejectedverf => "AUTH_REJECTEDVERF",
        AuthStat.AuthTooweak => "AUTH_TOOWEAK",
        _ => status.ToString(),
    };
}
