using System.Buffers.Binary;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Xdr;
using Flags = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs;

// Clients and sessions: SETCLIENTID, SETCLIENTID_CONFIRM, RENEW (4.0); EXCHANGE_ID, CREATE_SESSION, SEQUENCE,
// DESTROY_SESSION, DESTROY_CLIENTID, RECLAIM_COMPLETE, BIND_CONN_TO_SESSION (4.1).
public sealed partial class Nfs4Service
{
    /// <summary>The server's owner and scope (RFC 8881 §2.5): one server, so clients may trunk sessions to it by address.</summary>
    private static readonly byte[] ServerOwner = Encoding.UTF8.GetBytes("dittofs:" + Environment.MachineName);

    /// <summary>4.1 operations that may come without a SEQUENCE before them, each then alone in its COMPOUND (RFC 8881 §2.10.6.4).</summary>
    private static bool IsSessionless(NfsOpnum4 operation) => operation is NfsOpnum4.OpExchangeId or NfsOpnum4.OpCreateSession
        or NfsOpnum4.OpDestroySession or NfsOpnum4.OpDestroyClientid or NfsOpnum4.OpBindConnToSession;

    /// <summary>4.0 operations a 4.1 COMPOUND must not use (RFC 8881 §18: "MUST NOT be implemented" in 4.1), answered NFS4ERR_NOTSUPP.</summary>
    private static bool IsVersion40Only(NfsOpnum4 operation) => operation is NfsOpnum4.OpSetclientid or NfsOpnum4.OpSetclientidConfirm
        or NfsOpnum4.OpRenew or NfsOpnum4.OpOpenConfirm or NfsOpnum4.OpReleaseLockowner;

    /// <summary>Who the call is, for comparing client records (RFC 7530 §16.33.5's principal): the flavour and the uid.</summary>
    private static string PrincipalOf(RpcCallContext context) =>
        context.AuthFlavor == (uint)DittoFs.Storage.AuthFlavor.Sys ? "sys:" + context.Uid : "none";

    /// <summary>SETCLIENTID (RFC 7530 §16.33): a client id and the verifier that confirms it.</summary>
    private (NfsResop4, Nfsstat4) SetClientId(in Setclientid4Args arguments, Nfs4Call call)
    {
        ulong verifier = BinaryPrimitives.ReadUInt64BigEndian(arguments.Client.Verifier.Value.Span);
        var status = _clients.SetClientId(arguments.Client.Id.Span, verifier, PrincipalOf(call.Context), out ulong clientId, out ulong confirm);
        if (status != Nfsstat4.Nfs4Ok)
        {
            // NFS4ERR_CLID_INUSE carries the address the id is in use from (clientaddr4); this server does not keep it.
            var inUse = new Setclientid4Res { Status = status, ClientUsing = new Netaddr4 { NaRNetid = "tcp"u8.ToArray(), NaRAddr = ""u8.ToArray() } };
            return (NfsResop4.FromOpsetclientid(call.Scratch.Arm(inUse)), status);
        }
        var result = new Setclientid4Res { Status = status, Resok4 = new Setclientid4Resok { Clientid = clientId, SetclientidConfirm = Verifier(confirm) } };
        return (NfsResop4.FromOpsetclientid(call.Scratch.Arm(result)), status);
    }

    /// <summary>SETCLIENTID_CONFIRM (RFC 7530 §16.34).</summary>
    private (NfsResop4, Nfsstat4) ConfirmClientId(in SetclientidConfirm4Args arguments, Nfs4Call call)
    {
        var status = _clients.ConfirmClientId(arguments.Clientid, BinaryPrimitives.ReadUInt64BigEndian(arguments.SetclientidConfirm.Value.Span), PrincipalOf(call.Context));
        return (Failed(NfsOpnum4.OpSetclientidConfirm, status), status);
    }

    /// <summary>RENEW (RFC 7530 §16.28): renews the client's lease. No delegations are granted, so never NFS4ERR_CB_PATH_DOWN.</summary>
    private (NfsResop4, Nfsstat4) Renew(in Renew4Args arguments)
    {
        var status = _clients.RenewClient(arguments.Clientid);
        return (Failed(NfsOpnum4.OpRenew, status), status);
    }

    /// <summary>
    /// EXCHANGE_ID (RFC 8881 §18.35): only SP4_NONE state protection (others NFS4ERR_ENCR_ALG_UNSUPP); the reply says
    /// this server is not pNFS (USE_NON_PNFS) and whether the id is already confirmed (CONFIRMED_R).
    /// </summary>
    private (NfsResop4, Nfsstat4) ExchangeId(in ExchangeId4Args arguments, Nfs4Call call)
    {
        Nfsstat4 status;
        Nfs4Client? client = null;
        if (arguments.EiaStateProtect.SpaHow != StateProtectHow4.Sp4None)
        {
            status = Nfsstat4.Nfs4errEncrAlgUnsupp;
        }
        else if ((arguments.EiaFlags & ~KnownExchangeIdFlags) != 0)
        {
            status = Nfsstat4.Nfs4errInval; // RFC 8881 §18.35.3: bits the server does not know
        }
        else
        {
            ulong verifier = BinaryPrimitives.ReadUInt64BigEndian(arguments.EiaClientowner.CoVerifier.Value.Span);
            bool update = (arguments.EiaFlags & Flags.Exchgid4FlagUpdConfirmedRecA) != 0;
            status = _clients.ExchangeId(arguments.EiaClientowner.CoOwnerid.Span, verifier, PrincipalOf(call.Context), update, out client);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (Failed(NfsOpnum4.OpExchangeId, status), status);
        }
        uint flags = Flags.Exchgid4FlagUseNonPnfs | (client!.Confirmed ? Flags.Exchgid4FlagConfirmedR : 0);
        var resok = new ExchangeId4Resok
        {
            EirClientid = client.Id,
            EirSequenceid = unchecked(client.CreateSessionSequence + 1),
            EirFlags = flags,
            EirStateProtect = new StateProtect4R { SprHow = StateProtectHow4.Sp4None },
            EirServerOwner = new ServerOwner4 { SoMinorId = 0, SoMajorId = ServerOwner },
            EirServerScope = ServerOwner,
            EirServerImplId = Array.Empty<NfsImplId4>(),
        };
        return (NfsResop4.FromOpexchangeId(call.Scratch.Arm(new ExchangeId4Res { EirStatus = status, EirResok4 = resok })), status);
    }

    private const uint KnownExchangeIdFlags = Flags.Exchgid4FlagSuppMovedRefer | Flags.Exchgid4FlagSuppMovedMigr | Flags.Exchgid4FlagBindPrincStateid
        | Flags.Exchgid4FlagMaskPnfs | Flags.Exchgid4FlagUpdConfirmedRecA;

    /// <summary>
    /// CREATE_SESSION (RFC 8881 §18.36): a session whose fore channel is cut to what this server serves (requests and
    /// replies within the transfer size plus headers, operations within the COMPOUND limit, at most 64 slots). No
    /// persistent reply cache, no back channel (callbacks are not sent: no delegations), no RDMA: those flags come back
    /// clear.
    /// </summary>
    private (NfsResop4, Nfsstat4) CreateSession(in CreateSession4Args arguments, Nfs4Call call)
    {
        var back = arguments.CsaBackChanAttrs;
        uint sequence = arguments.CsaSequence;
        var status = _clients.CreateSession(arguments.CsaClientid, arguments.CsaSequence, PrincipalOf(call.Context),
            session => new CreateSession4Resok
            {
                CsrSessionid = (InlineOpaque<InlineBytes16>)session.Id,
                CsrSequence = sequence,
                CsrFlags = 0,
                CsrForeChanAttrs = session.ForeChannel,
                CsrBackChanAttrs = back with { CaRdmaIrd = Array.Empty<uint>() },
            },
            NegotiateForeChannel, arguments.CsaForeChanAttrs, out var resok);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (Failed(NfsOpnum4.OpCreateSession, status), status);
        }
        return (NfsResop4.FromOpcreateSession(call.Scratch.Arm(new CreateSession4Res { CsrStatus = status, CsrResok4 = resok })), status);
    }

    private ChannelAttrs4 NegotiateForeChannel(ChannelAttrs4 asked)
    {
        uint limit = (uint)_options.MaxTransferSize + 64 * 1024; // a transfer plus the COMPOUND around it
        return new ChannelAttrs4
        {
            CaHeaderpadsize = 0,
            CaMaxrequestsize = Math.Min((uint)asked.CaMaxrequestsize, limit),
            CaMaxresponsesize = Math.Min((uint)asked.CaMaxresponsesize, limit),
            CaMaxresponsesizeCached = Math.Min((uint)asked.CaMaxresponsesizeCached, 64 * 1024),
            CaMaxoperations = Math.Min((uint)asked.CaMaxoperations, (uint)_options.MaxCompoundOperations),
            CaMaxrequests = Math.Clamp((uint)asked.CaMaxrequests, 1, Nfs4Clients.MaxSlots),
            CaRdmaIrd = Array.Empty<uint>(),
        };
    }

    /// <summary>DESTROY_SESSION (RFC 8881 §18.37).</summary>
    private (NfsResop4, Nfsstat4) DestroySession(in DestroySession4Args arguments)
    {
        var status = _clients.DestroySession(arguments.DsaSessionid.Value.Span);
        return (Failed(NfsOpnum4.OpDestroySession, status), status);
    }

    /// <summary>DESTROY_CLIENTID (RFC 8881 §18.50): refused while the client has sessions, opens or locks.</summary>
    private (NfsResop4, Nfsstat4) DestroyClient(in DestroyClientid4Args arguments)
    {
        var status = _clients.DestroyClient(arguments.DcaClientid, _opens.HoldsState);
        return (Failed(NfsOpnum4.OpDestroyClientid, status), status);
    }

    /// <summary>
    /// RECLAIM_COMPLETE (RFC 8881 §18.51): the client has reclaimed what it will (later reclaims are NFS4ERR_NO_GRACE) and
    /// may now take new opens and locks; a second for the whole client is NFS4ERR_COMPLETE_ALREADY.
    /// </summary>
    private (NfsResop4, Nfsstat4) ReclaimComplete(in ReclaimComplete4Args arguments, Nfs4Call call)
    {
        var client = call.Session!.Client;
        Nfsstat4 status;
        if (arguments.RcaOneFs)
        {
            status = Nfsstat4.Nfs4Ok; // per file system: nothing to track until state is kept per file system
        }
        else
        {
            status = client.ReclaimComplete ? Nfsstat4.Nfs4errCompleteAlready : Nfsstat4.Nfs4Ok;
            client.ReclaimComplete = true;
            _records?.ReclaimCompleted(client.MinorVersion, client.Owner);
        }
        return (Failed(NfsOpnum4.OpReclaimComplete, status), status);
    }

    /// <summary>BIND_CONN_TO_SESSION (RFC 8881 §18.34): every connection already serves every session's fore channel.</summary>
    private (NfsResop4, Nfsstat4) BindConnection(in BindConnToSession4Args arguments, Nfs4Call call)
    {
        if (_clients.FindSession(arguments.BctsaSessid.Value.Span) is null)
        {
            return (Failed(NfsOpnum4.OpBindConnToSession, Nfsstat4.Nfs4errBadsession), Nfsstat4.Nfs4errBadsession);
        }
        var resok = new BindConnToSession4Resok { BctsrSessid = arguments.BctsaSessid, BctsrDir = ChannelDirFromServer4.Cdfs4Fore, BctsrUseConnInRdmaMode = false };
        return (NfsResop4.FromOpbindConnToSession(call.Scratch.Arm(new BindConnToSession4Res { BctsrStatus = Nfsstat4.Nfs4Ok, BctsrResok4 = resok })), Nfsstat4.Nfs4Ok);
    }

    /// <summary>
    /// SEQUENCE (RFC 8881 §18.46), first in a 4.1 COMPOUND: the session and slot, and whether this is a new request
    /// (the slot's sequence + 1), a retransmission (the same sequence: the cached reply, or NFS4ERR_RETRY_UNCACHED_REP
    /// when the client did not ask for it to be cached), or misordered. A request still running on the slot is
    /// NFS4ERR_DELAY. Renews the client's lease.
    /// </summary>
    /// <param name="requestShape">What tells a retransmission from a false retry (see <see cref="RequestShape"/>).</param>
    private SequenceOutcome BeginSequence(in Sequence4Args arguments, int requestShape, Nfs4Call call)
    {
        var session = _clients.FindSession(arguments.SaSessionid.Value.Span);
        if (session is null)
        {
            return SequenceOutcome.Failure(Nfsstat4.Nfs4errBadsession);
        }
        if ((uint)call.RequestSize > (uint)session.ForeChannel.CaMaxrequestsize)
        {
            // RFC 8881 §18.36.3: a request over the session's ca_maxrequestsize is NFS4ERR_REQ_TOO_BIG; the slot is not used.
            return SequenceOutcome.Failure(Nfsstat4.Nfs4errReqTooBig);
        }
        uint slotId = arguments.SaSlotid;
        if (slotId >= session.Slots.Length)
        {
            return SequenceOutcome.Failure(Nfsstat4.Nfs4errBadslot);
        }
        var slot = session.Slots[slotId];
        lock (slot.Gate)
        {
            uint sequence = arguments.SaSequenceid;
            if (sequence == slot.SequenceId && slot.SequenceId != 0)
            {
                // A retransmission: still running, answered (cached or not). RFC 8881 §2.10.6.1.3.1: a "retry" that is not
                // the request the reply was kept for (other operations, another size) is NFS4ERR_SEQ_FALSE_RETRY, not
                // another request's reply.
                return slot.InProgress ? SequenceOutcome.Failure(Nfsstat4.Nfs4errDelay)
                    : !slot.HasReply ? SequenceOutcome.Failure(Nfsstat4.Nfs4errRetryUncachedRep)
                    : slot.RequestShape != requestShape ? SequenceOutcome.Failure(Nfsstat4.Nfs4errSeqFalseRetry)
                    : SequenceOutcome.Replay(slot.KeptReply()!.Value);
            }
            if (sequence != unchecked(slot.SequenceId + 1))
            {
                return SequenceOutcome.Failure(Nfsstat4.Nfs4errSeqMisordered);
            }
            if (slot.InProgress)
            {
                return SequenceOutcome.Failure(Nfsstat4.Nfs4errDelay); // the client reused a slot before its reply came
            }
            slot.SequenceId = sequence;
            slot.InProgress = true;
            slot.RequestShape = requestShape;
            slot.ForgetReply();
        }
        call.Session = session;
        call.Slot = slot;
        call.CacheThis = arguments.SaCachethis;
        var resok = new Sequence4Resok
        {
            SrSessionid = arguments.SaSessionid,
            SrSequenceid = arguments.SaSequenceid,
            SrSlotid = slotId,
            SrHighestSlotid = (uint)session.Slots.Length - 1,
            SrTargetHighestSlotid = (uint)session.Slots.Length - 1,
            SrStatusFlags = 0,
        };
        return new SequenceOutcome(NfsResop4.FromOpsequence(call.Scratch.Arm(new Sequence4Res { SrStatus = Nfsstat4.Nfs4Ok, SrResok4 = resok })), Nfsstat4.Nfs4Ok, null);
    }

    /// <summary>
    /// A request's size and its operations in order: equal for a retransmission, which is the same bytes, and unequal for
    /// nearly every other request a client could send with the same slot and sequence id (a false retry).
    /// </summary>
    private static int RequestShape(int size, ReadOnlySpan<NfsArgop4> operations)
    {
        var shape = new HashCode();
        shape.Add(size);
        foreach (var operation in operations)
        {
            shape.Add(operation.Argop);
        }
        return shape.ToHashCode();
    }

    /// <summary>
    /// Ends the request on its slot: frees the slot and keeps the reply when the client asked (sa_cachethis). The reply is
    /// kept encoded, so it owns its bytes (a request's tag and names point into buffers that are reused) and a
    /// retransmission gets it byte for byte.
    /// </summary>
    private static void EndSequence(Nfs4Call call, in Compound4Res result)
    {
        if (call.Slot is not { } slot)
        {
            return;
        }
        lock (slot.Gate)
        {
            // No result (the COMPOUND threw, and the RPC layer answers SYSTEM_ERR): nothing to replay.
            if (call.CacheThis && result.Resarray.Count > 0)
            {
                slot.KeepReply(result);
            }
            slot.InProgress = false;
        }
    }

    /// <summary>
    /// Whether the client may reclaim an open or lock now (RFC 7530 §9.6.2, RFC 8881 §8.4.2.1): in the grace period, a
    /// client the earlier start recorded, before its RECLAIM_COMPLETE; NFS4ERR_NO_GRACE otherwise.
    /// </summary>
    private Nfsstat4 MayReclaim(ulong clientId) =>
        _clients.Find(clientId) is { } client && _records is { } records ? records.MayReclaim(client.MinorVersion, client.Owner) : Nfsstat4.Nfs4errNoGrace;

    /// <summary>
    /// Whether a new (non-reclaim) open or lock may be granted: NFS4ERR_GRACE in the grace period (RFC 7530 §9.6.2), and
    /// for a 4.1 client before its RECLAIM_COMPLETE (RFC 8881 §18.51.3).
    /// </summary>
    private Nfsstat4 MayTakeNewState(Nfs4Call call) =>
        _records?.InGrace == true || call.Session?.Client.ReclaimComplete == false ? Nfsstat4.Nfs4errGrace : Nfsstat4.Nfs4Ok;

    private static Verifier4 Verifier(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return (InlineOpaque<InlineBytes8>)bytes;
    }

    /// <summary>What SEQUENCE decided: its result and status, or a whole cached reply to send again.</summary>
    private readonly record struct SequenceOutcome(NfsResop4 Result, Nfsstat4 Status, Compound4Res? Cached)
    {
        public static SequenceOutcome Failure(Nfsstat4 status) => new(Failed(NfsOpnum4.OpSequence, status), status, null);

        public static SequenceOutcome Replay(Compound4Res cached) => new(default, Nfsstat4.Nfs4Ok, cached);
    }
}
