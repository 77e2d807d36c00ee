using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Vfs.Locks;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs;

// OPEN, OPEN_CONFIRM, OPEN_DOWNGRADE, CLOSE, READ, WRITE: open state and the data it guards.
public sealed partial class Nfs4Service
{
    /// <summary>READs from this size up may be lent by the content store, as for v3 (see NfsService.MinLentRead).</summary>
    private const int MinLentRead = 32 * 1024;

    /// <summary>
    /// OPEN (RFC 7530 §16.16, RFC 8881 §18.16): CLAIM_NULL (a name in the current directory, created if asked: UNCHECKED4,
    /// GUARDED4, EXCLUSIVE4, EXCLUSIVE4_1) and CLAIM_FH (4.1: the current file); the file must be a regular file
    /// (NFS4ERR_ISDIR, NFS4ERR_SYMLINK, else NFS4ERR_INVAL / WRONG_TYPE) the caller may read or write as it asks. No
    /// delegations are granted and no confirmation is asked (OPEN4_RESULT_CONFIRM clear: the open-owner is taken as
    /// confirmed). CLAIM_PREVIOUS reclaims, in the grace period, an open of the current file that the client held before
    /// the server restarted (see <see cref="MayReclaim"/>); other claims wait for the grace period to end (NFS4ERR_GRACE).
    /// Delegation claims are NFS4ERR_NOTSUPP: no delegation is ever granted. The current filehandle becomes the file.
    /// </summary>
    /// <remarks>
    /// The reply is built without an async method when the file system answered at once (the in-memory stores always
    /// do): two async methods around <see cref="OpenFileAsync"/>, each holding the 288-byte arguments and the result,
    /// zeroed about 6 KB of frames per OPEN.
    /// </remarks>
    private ValueTask<(NfsResop4, Nfsstat4)> OpenAsync(in Open4Args arguments, Nfs4Call call)
    {
        // 4.0: the open-owner's sequence (RFC 7530 §9.1.7), once the client id is known to be this server's.
        var sequence = call.MinorVersion == 0 && _clients.RenewClient(arguments.Owner.Clientid) == Nfsstat4.Nfs4Ok
            ? _opens.OpenOwnerSequence(arguments.Owner.Clientid, arguments.Owner.Owner.Span) : null;
        if (sequence is not null && AnsweredBySequence(sequence, arguments.Seqid, NfsOpnum4.OpOpen, call) is { } answered)
        {
            return new(answered);
        }
        var closedBefore = sequence?.LastClosed;
        var opening = OpenFileAsync(arguments, call);
        return opening.IsCompletedSuccessfully
            ? new(Opened(opening.Result, sequence, arguments.Seqid, closedBefore, call))
            : OpenedLaterAsync(opening, sequence, arguments.Seqid, closedBefore, call);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> OpenedLaterAsync(ValueTask<OpenedFile> opening,
        Nfs4OwnerSequence? sequence, uint seqid, Nfs4Open? closedBefore, Nfs4Call call) =>
        Opened(await opening.ConfigureAwait(false), sequence, seqid, closedBefore, call);

    /// <summary>OPEN's reply once the file is open (or refused); in 4.0 it is kept in the open-owner's <paramref name="sequence"/>.</summary>
    private (NfsResop4, Nfsstat4) Opened(in OpenedFile opened,
        Nfs4OwnerSequence? sequence, uint seqid, Nfs4Open? closedBefore, Nfs4Call call)
    {
        var status = opened.Status;
        NfsResop4 result;
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpOpen, call, status);
            result = Failed(NfsOpnum4.OpOpen, status);
        }
        else
        {
            call.Current = opened.File;
            var stateid = _opens.StateidOf(opened.Open!);
            call.CurrentStateid = stateid;
            var resok = new Open4Resok
            {
                Stateid = stateid,
                Cinfo = opened.Cinfo,
                Rflags = Attr.Open4ResultLocktypePosix,
                Attrset = opened.Attrset,
                Delegation = new OpenDelegation4 { DelegationType = OpenDelegationType4.OpenDelegateNone },
            };
            result = NfsResop4.FromOpopen(call.Scratch.Arm(new Open4Res { Status = status, Resok4 = resok }));
        }
        if (sequence is not null)
        {
            _opens.Record(sequence, seqid, result, status, call.Current, closedBefore);
        }
        return (result, status);
    }

    /// <summary>
    /// OPEN's checks, then the file system's call (GETATTR of the current file, CREATE or LOOKUP of the name), then the
    /// share reservation (<see cref="OpenFound"/>); the open, or why there is none.
    /// </summary>
    private ValueTask<OpenedFile> OpenFileAsync(in Open4Args arguments, Nfs4Call call)
    {
        static ValueTask<OpenedFile> Refused(Nfsstat4 status) => new(OpenedFile.Refused(status));
        uint access = call.MinorVersion == 0 ? arguments.ShareAccess : arguments.ShareAccess & ~(uint)Attr.Open4ShareAccessWantDelegMask & 0xFFFFu;
        uint deny = arguments.ShareDeny;
        if (access is 0 or > 3 || deny > 3)
        {
            return Refused(Nfsstat4.Nfs4errInval);
        }
        ulong clientId;
        if (call.Session is { } session)
        {
            clientId = session.Client.Id;
        }
        else
        {
            var renewed = _clients.RenewClient(arguments.Owner.Clientid);
            if (renewed != Nfsstat4.Nfs4Ok)
            {
                return Refused(renewed);
            }
            clientId = arguments.Owner.Clientid;
        }
        if (!call.Current.IsSet)
        {
            return Refused(Nfsstat4.Nfs4errNofilehandle);
        }
        var claim = arguments.Claim.Claim;
        // CLAIM_PREVIOUS never creates: the file was open before the restart (RFC 7530 §16.16.5).
        bool create = arguments.Openhow.Opentype == Opentype4.Open4Create && claim != OpenClaimType4.ClaimPrevious;
        switch (claim)
        {
            case OpenClaimType4.ClaimNull:
            case OpenClaimType4.ClaimFh when call.MinorVersion == 1 && !create:
                var grace = MayTakeNewState(call);
                if (grace != Nfsstat4.Nfs4Ok)
                {
                    return Refused(grace);
                }
                break;
            case OpenClaimType4.ClaimPrevious:
                var mayReclaim = MayReclaim(clientId);
                if (mayReclaim != Nfsstat4.Nfs4Ok)
                {
                    return Refused(mayReclaim);
                }
                if (arguments.Claim.DelegateType != OpenDelegationType4.OpenDelegateNone)
                {
                    return Refused(Nfsstat4.Nfs4errReclaimBad); // no delegation was ever granted to reclaim
                }
                break;
            case OpenClaimType4.ClaimFh:
                return Refused(Nfsstat4.Nfs4errInval);
            default:
                return Refused(Nfsstat4.Nfs4errNotsupp);
        }
        if (!_clients.RecordHoldingState(clientId))
        {
            return Refused(Nfsstat4.Nfs4errDelay); // the client's record could not be written: nothing it could not reclaim is granted
        }
        // CLAIM_FH and CLAIM_PREVIOUS open the current file; CLAIM_NULL a name in the current directory.
        bool currentFile = claim != OpenClaimType4.ClaimNull;
        if (call.Current.Pseudo is { } directory)
        {
            // The pseudo file system holds only directories and cannot change.
            var status = currentFile || directory.Child(arguments.Claim.File.Value.Span) is not null ? Nfsstat4.Nfs4errIsdir
                : create ? Nfsstat4.Nfs4errRofs : Nfsstat4.Nfs4errNoent;
            return Refused(status);
        }
        var targetStatus = Target(call.Current, call, out var target);
        if (targetStatus != Nfsstat4.Nfs4Ok)
        {
            return Refused(targetStatus);
        }
        if ((create || (access & Nfs4Opens.AccessWrite) != 0) && target.Share.Options.ReadOnly)
        {
            return Refused(Nfsstat4.Nfs4errRofs);
        }
        var request = new OpenRequest(clientId, arguments.Owner.Owner, access, deny, claim == OpenClaimType4.ClaimPrevious, target);
        if (currentFile)
        {
            return OpenCurrent(request, call);
        }
        var name = arguments.Claim.File.Value;
        var nameStatus = NameStatus(name);
        if (nameStatus != Nfsstat4.Nfs4Ok)
        {
            return Refused(nameStatus);
        }
        return create ? CreateAndOpen(arguments.Openhow.How, name, request, call) : OpenExisting(name, request, call);
    }

    // The three ways to the file are each a method of their own, not inlined: together in OPEN's frame, every OPEN zeroed
    // all three's store answers (kilobytes).

    /// <summary>CLAIM_FH, CLAIM_PREVIOUS: the current file.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<OpenedFile> OpenCurrent(in OpenRequest request, Nfs4Call call)
    {
        var reading = request.Target.FileSystem.GetAttributesAsync(request.Target.File, call.Context.CancellationToken);
        return reading.IsCompletedSuccessfully ? OpenedCurrent(reading.Result, request, call) : OpenCurrentLaterAsync(reading, request, call);
    }

    /// <summary>CLAIM_NULL without OPEN4_CREATE: the name in the current directory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<OpenedFile> OpenExisting(ReadOnlyMemory<byte> name, in OpenRequest request, Nfs4Call call)
    {
        var looking = request.Target.FileSystem.LookupAsync(request.Target.Auth, request.Target.File, name, call.Context.CancellationToken);
        return looking.IsCompletedSuccessfully ? OpenLookedUp(looking.Result, request, call) : OpenLookedUpLaterAsync(looking, request, call);
    }

    /// <summary>CLAIM_NULL with OPEN4_CREATE: the name in the current directory, created as <paramref name="how"/> says.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<OpenedFile> CreateAndOpen(in Createhow4 how, ReadOnlyMemory<byte> name, in OpenRequest request, Nfs4Call call)
    {
        // EXCLUSIVE4 carries no attributes (RFC 7530 §16.16.5: they are set by a SETATTR after).
        var changes = SetAttributes.None;
        uint[] set = [];
        if (how.Mode != Createmode4.Exclusive4)
        {
            var decodedStatus = Fattr4Decoder.DecodeSettable(how.Mode == Createmode4.Exclusive41 ? how.ChCreateboth.CvaAttrs : how.Createattrs,
                call.MinorVersion, out changes, out set);
            if (decodedStatus != Nfsstat4.Nfs4Ok)
            {
                return new(OpenedFile.Refused(decodedStatus));
            }
        }
        var mode = how.Mode switch
        {
            Createmode4.Unchecked4 => CreateMode.Unchecked,
            Createmode4.Guarded4 => CreateMode.Guarded,
            _ => CreateMode.Exclusive,
        };
        var verifier = how.Mode switch
        {
            Createmode4.Exclusive4 => VerifierValue(how.Createverf),
            Createmode4.Exclusive41 => VerifierValue(how.ChCreateboth.CvaVerf),
            _ => 0UL,
        };
        var target = request.Target;
        var creating = target.FileSystem.CreateAsync(target.Auth, target.File, name, mode, changes, verifier, call.Context.CancellationToken);
        return creating.IsCompletedSuccessfully ? new(OpenCreated(creating.Result, set, request, call)) : OpenCreatedLaterAsync(creating, set, request, call);
    }

    /// <summary>What an OPEN knows once its checks passed: who opens, for what, and in which directory (or which file).</summary>
    private readonly record struct OpenRequest(ulong ClientId, ReadOnlyMemory<byte> Owner, uint Access, uint Deny, bool Reclaim, CallTarget Target);

    /// <summary>An OPEN's outcome before its reply: the open and the file, with the directory's change and the attributes set when it created.</summary>
    private readonly record struct OpenedFile(Nfsstat4 Status, Nfs4Open? Open, Nfs4Fh File, ChangeInfo4 Cinfo, uint[] Attrset)
    {
        public static OpenedFile Refused(Nfsstat4 status) => new(status, null, default, default, []);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<OpenedFile> OpenCurrentLaterAsync(ValueTask<StoreResult<InodeAttributes>> reading, OpenRequest request, Nfs4Call call) =>
        await OpenedCurrent(await reading.ConfigureAwait(false), request, call).ConfigureAwait(false);

    private ValueTask<OpenedFile> OpenedCurrent(in StoreResult<InodeAttributes> attributes, in OpenRequest request, Nfs4Call call) =>
        attributes.IsOk ? OpenFound(attributes.Value, default, request, call) : new(OpenedFile.Refused(StatusOf(attributes.Status)));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<OpenedFile> OpenLookedUpLaterAsync(ValueTask<StoreResult<LookupResult>> looking, OpenRequest request, Nfs4Call call) =>
        await OpenLookedUp(await looking.ConfigureAwait(false), request, call).ConfigureAwait(false);

    private ValueTask<OpenedFile> OpenLookedUp(in StoreResult<LookupResult> result, in OpenRequest request, Nfs4Call call)
    {
        if (!result.IsOk)
        {
            return new(OpenedFile.Refused(StatusOf(result.Status)));
        }
        var cinfo = result.Value.Directory is { } parent ? ChangeInfo(DittoFs.Storage.WccData.Unchanged(parent)) : default;
        return OpenFound(result.Value.File, cinfo, request, call);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<OpenedFile> OpenCreatedLaterAsync(ValueTask<StoreResult<CreateResult>> creating, uint[] attrset, OpenRequest request, Nfs4Call call) =>
        OpenCreated(await creating.ConfigureAwait(false), attrset, request, call);

    /// <summary>A created file (or, UNCHECKED, one that was there): of the right type, its owner allowed to open it.</summary>
    private OpenedFile OpenCreated(in StoreResult<CreateResult> result, uint[] attrset, in OpenRequest request, Nfs4Call call) =>
        !result.IsOk ? OpenedFile.Refused(StatusOf(result.Status))
        : WrongType(result.Value.File, call) is { } wrongType ? OpenedFile.Refused(wrongType)
        : Reserve(result.Value.File, ChangeInfo(result.Value.Directory), attrset, request, call);

    /// <summary>
    /// An existing file to open: it must be a regular file, and the caller must be allowed what it opens for (RFC 7530
    /// §16.16.5; the owner of a file it just made is, see <see cref="OpenCreated"/>).
    /// </summary>
    private ValueTask<OpenedFile> OpenFound(in InodeAttributes file, ChangeInfo4 cinfo, in OpenRequest request, Nfs4Call call)
    {
        if (WrongType(file, call) is { } wrongType)
        {
            return new(OpenedFile.Refused(wrongType));
        }
        var wanted = WantedRights(request.Access);
        var checking = request.Target.FileSystem.AccessAsync(request.Target.Auth, file.Ref, wanted, call.Context.CancellationToken);
        return checking.IsCompletedSuccessfully
            ? new(OpenAllowed(checking.Result, wanted, file, cinfo, request, call))
            : OpenAllowedLaterAsync(checking, wanted, file, cinfo, request, call);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<OpenedFile> OpenAllowedLaterAsync(ValueTask<StoreResult<AccessResult>> checking, AccessRights wanted, InodeAttributes file, ChangeInfo4 cinfo,
        OpenRequest request, Nfs4Call call) =>
        OpenAllowed(await checking.ConfigureAwait(false), wanted, file, cinfo, request, call);

    private OpenedFile OpenAllowed(in StoreResult<AccessResult> allowed, AccessRights wanted, in InodeAttributes file, ChangeInfo4 cinfo, in OpenRequest request, Nfs4Call call) =>
        !allowed.IsOk || (allowed.Value.Granted & wanted) != wanted
            ? OpenedFile.Refused(allowed.IsOk ? Nfsstat4.Nfs4errAccess : StatusOf(allowed.Status))
            : Reserve(file, cinfo, [], request, call);

    private static AccessRights WantedRights(uint access) =>
        ((access & Nfs4Opens.AccessRead) != 0 ? AccessRights.Read : 0) | ((access & Nfs4Opens.AccessWrite) != 0 ? AccessRights.Modify : 0);

    /// <summary>Why a file cannot be opened for its type (NFS4ERR_ISDIR, NFS4ERR_SYMLINK, else INVAL / WRONG_TYPE); null for a regular file.</summary>
    private static Nfsstat4? WrongType(in InodeAttributes file, Nfs4Call call) => file.Type switch
    {
        FileType.Regular => null,
        FileType.Directory => Nfsstat4.Nfs4errIsdir,
        FileType.Symlink => Nfsstat4.Nfs4errSymlink,
        _ => call.MinorVersion == 0 ? Nfsstat4.Nfs4errInval : Nfsstat4.Nfs4errWrongType,
    };

    /// <summary>
    /// The open of <paramref name="file"/>: its share reservation, kept in the share's lock table with NLM's SHARE
    /// reservations, so that v3 and v4 clients deny each other as v4 clients do (RFC 7530 §9.9).
    /// </summary>
    private OpenedFile Reserve(in InodeAttributes file, ChangeInfo4 cinfo, uint[] attrset, in OpenRequest request, Nfs4Call call)
    {
        var target = request.Target;
        var table = target.FileSystem.Locks;
        var key = FileLockKey.Of(file.Ref);
        var owner = new LockOwner(LockClient.Nfs4(request.ClientId), request.Owner.Span);
        bool reclaim = request.Reclaim;
        var openStatus = _opens.Open(request.ClientId, request.Owner.Span, target.Share.Id, file.Ref, request.Access, request.Deny,
            (unionAccess, unionDeny) => ShareStatusOf(table.Share(key, owner, (ShareAccess)unionAccess, (ShareDeny)unionDeny, reclaim).Status, reclaim), out var open);
        return openStatus != Nfsstat4.Nfs4Ok ? OpenedFile.Refused(openStatus) : new OpenedFile(Nfsstat4.Nfs4Ok, open, new Nfs4Fh(null, target.Share, file.Ref), cinfo, attrset);
    }

    /// <summary>
    /// A share reservation's answer as nfsstat4: a conflict is NFS4ERR_SHARE_DENIED, or between two reclaims
    /// NFS4ERR_RECLAIM_CONFLICT (the state before the restart cannot have held both, RFC 8881 §15.1.9.3).
    /// </summary>
    private static Nfsstat4 ShareStatusOf(LockStatus status, bool reclaim) => status switch
    {
        LockStatus.Granted => Nfsstat4.Nfs4Ok,
        LockStatus.InGrace => Nfsstat4.Nfs4errGrace,
        LockStatus.NotInGrace => Nfsstat4.Nfs4errNoGrace,
        _ => reclaim ? Nfsstat4.Nfs4errReclaimConflict : Nfsstat4.Nfs4errShareDenied,
    };

    /// <summary>
    /// A 4.0 operation sequenced by its owner (RFC 7530 §9.1.7, see <see cref="Nfs4OwnerSequence"/>): a retransmission is
    /// answered with the kept reply, a seqid out of order NFS4ERR_BAD_SEQID, anything else runs and its reply is kept.
    /// Without a sequence (4.1, or a stateid that names nothing) it just runs.
    /// </summary>
    private (NfsResop4, Nfsstat4) Sequenced(Nfs4OwnerSequence? sequence, uint seqid, NfsOpnum4 operation, Nfs4Call call, Func<(NfsResop4, Nfsstat4)> run)
    {
        if (sequence is null)
        {
            return run();
        }
        if (AnsweredBySequence(sequence, seqid, operation, call) is { } answered)
        {
            return answered;
        }
        var closedBefore = sequence.LastClosed;
        var (result, status) = run();
        _opens.Record(sequence, seqid, result, status, call.Current, closedBefore);
        return (result, status);
    }

    /// <summary>The answer the owner's sequence gives without running the operation (the kept reply, or BAD_SEQID); null: run it.</summary>
    private static (NfsResop4, Nfsstat4)? AnsweredBySequence(Nfs4OwnerSequence sequence, uint seqid, NfsOpnum4 operation, Nfs4Call call) =>
        sequence.Check(seqid, operation) switch
        {
            Nfs4OwnerSequence.Verdict.Replay => sequence.Replay(call),
            Nfs4OwnerSequence.Verdict.Bad => (Failed(operation, Nfsstat4.Nfs4errBadSeqid), Nfsstat4.Nfs4errBadSeqid),
            _ => null,
        };

    /// <summary>4.0: the sequence of the owner of the state a stateid names (null in 4.1).</summary>
    private Nfs4OwnerSequence? SequenceOf(in Stateid4 stateid, Nfs4Call call) => call.MinorVersion == 0 ? _opens.SequenceOf(stateid) : null;

    /// <summary>OPEN_CONFIRM (RFC 7530 §16.18, 4.0 only): confirms the open-owner; its stateid's seqid rises.</summary>
    private (NfsResop4, Nfsstat4) OpenConfirm(in OpenConfirm4Args arguments, Nfs4Call call)
    {
        var args = arguments;
        return Sequenced(SequenceOf(args.OpenStateid, call), args.Seqid, NfsOpnum4.OpOpenConfirm, call, () => OpenConfirmNow(args, call));
    }

    private (NfsResop4, Nfsstat4) OpenConfirmNow(in OpenConfirm4Args arguments, Nfs4Call call)
    {
        var status = FindOpen(arguments.OpenStateid, call, out var open);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (Failed(NfsOpnum4.OpOpenConfirm, status), status);
        }
        _opens.Confirm(open);
        var stateid = _opens.StateidOf(open);
        return (NfsResop4.FromOpopenConfirm(call.Scratch.Arm(new OpenConfirm4Res { Status = status, Resok4 = new OpenConfirm4Resok { OpenStateid = stateid } })), status);
    }

    /// <summary>OPEN_DOWNGRADE (RFC 7530 §16.19): to a subset of the open's access and deny.</summary>
    private (NfsResop4, Nfsstat4) OpenDowngrade(in OpenDowngrade4Args arguments, Nfs4Call call)
    {
        var args = arguments;
        return Sequenced(SequenceOf(args.OpenStateid, call), args.Seqid, NfsOpnum4.OpOpenDowngrade, call, () => OpenDowngradeNow(args, call));
    }

    private (NfsResop4, Nfsstat4) OpenDowngradeNow(in OpenDowngrade4Args arguments, Nfs4Call call)
    {
        var status = FindOpen(arguments.OpenStateid, call, out var open);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = _opens.Downgrade(open, arguments.ShareAccess & 0xFF, arguments.ShareDeny);
        }
        if (status == Nfsstat4.Nfs4Ok && _shares.TryGet(open.ShareId, out var share))
        {
            // A subset of the reservation held: never refused.
            share.FileSystem.Locks.Share(FileLockKey.Of(open.File), open.Holder, (ShareAccess)open.Access, (ShareDeny)open.Deny);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (Failed(NfsOpnum4.OpOpenDowngrade, status), status);
        }
        var stateid = _opens.StateidOf(open);
        return (NfsResop4.FromOpopenDowngrade(call.Scratch.Arm(new OpenDowngrade4Res { Status = status, Resok4 = new OpenDowngrade4Resok { OpenStateid = stateid } })), status);
    }

    /// <summary>
    /// CLOSE (RFC 7530 §16.2, RFC 8881 §18.2): the open ends. 4.0 answers the stateid with its seqid raised; 4.1 the
    /// invalid special stateid (RFC 8881 §18.2.4: the stateid is of no further use).
    /// </summary>
    /// <remarks>4.1 has no owner sequence, and its CLOSE no closure for one (an allocation per CLOSE).</remarks>
    private (NfsResop4, Nfsstat4) Close(in Close4Args arguments, Nfs4Call call) =>
        SequenceOf(arguments.OpenStateid, call) is { } sequence ? CloseSequenced(arguments, sequence, call) : CloseNow(arguments, null, call);

    private (NfsResop4, Nfsstat4) CloseSequenced(Close4Args arguments, Nfs4OwnerSequence sequence, Nfs4Call call) =>
        Sequenced(sequence, arguments.Seqid, NfsOpnum4.OpClose, call, () => CloseNow(arguments, sequence, call));

    /// <summary>4.1's invalid special stateid (RFC 8881 §8.2.3: seqid all ones, "other" all zeros), what its CLOSE answers.</summary>
    private static readonly Stateid4 InvalidStateid = new() { Seqid = uint.MaxValue, Other = new byte[12] };

    /// <param name="sequence">4.0: the open-owner's, which keeps the closed open for a retransmitted CLOSE.</param>
    private (NfsResop4, Nfsstat4) CloseNow(in Close4Args arguments, Nfs4OwnerSequence? sequence, Nfs4Call call)
    {
        var status = FindOpen(arguments.OpenStateid, call, out var open);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return (NfsResop4.FromOpclose(call.Scratch.Arm(new Close4Res { Status = status })), status);
        }
        // RFC 8881 §18.2.4: the server may release the open-owner's locks on the file rather than refuse (LOCKS_HELD).
        var locks = _shares.TryGet(open.ShareId, out var share) ? share.FileSystem.Locks : null;
        foreach (var lockState in open.Locks)
        {
            TellWoken(locks?.UnlockOwner(FileLockKey.Of(open.File), lockState.Owner).Woken);
        }
        locks?.Unshare(FileLockKey.Of(open.File), open.Holder);
        _opens.Close(open, sequence);
        var stateid = call.MinorVersion == 0 ? _opens.StateidOf(open) : InvalidStateid;
        return (NfsResop4.FromOpclose(call.Scratch.Arm(new Close4Res { Status = status, OpenStateid = stateid })), status);
    }

    /// <summary>
    /// READ (RFC 7530 §16.23): with an open's stateid, or the anonymous or READ-bypass stateid (RFC 7530 §9.1.4.3: the
    /// anonymous one is subject to other opens' DENY_READ, the bypass one is not). The first READ of a COMPOUND goes to
    /// the reply's out-of-line data as v3's does (lent by stores that can); later ones, and any of a reply to be
    /// cached, are copied.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> ReadAsync(Read4Args arguments, Nfs4Call call)
    {
        var status = FileTarget(call, out var target);
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = CheckStateid(arguments.Stateid, call, target, Nfs4Opens.AccessRead);
        }
        if (status != Nfsstat4.Nfs4Ok)
        {
            LogIfFailed(NfsOpnum4.OpRead, call, status);
            return (Failed(NfsOpnum4.OpRead, status), status);
        }
        // A READ may return less than asked (RFC 7530 §16.23.4): what the reply has room for (its result takes 20 bytes
        // besides the data: opnum, status, eof, length, padding). With no room at all the reply is too big.
        int count = (int)Math.Min(Math.Min((uint)arguments.Count, (uint)_options.MaxTransferSize), (uint)Math.Max(call.ReplyRoom - 20, 0));
        if (count == 0 && arguments.Count > 0 && call.ReplyRoom < 20 + 1)
        {
            return (Failed(NfsOpnum4.OpRead, ReplyTooBig(call)), ReplyTooBig(call));
        }
        // A reply to be cached (sa_cachethis) is kept encoded before it is sent: its data must be in it, not lent beside it.
        IReplyReadBuffer buffer = call.ReadsDone++ == 0 && !call.CacheThis ? call.Scratch.ReadBuffer(call.Context.ReplyData, MinLentRead) : new HeapReadBuffer();
        var read = await target.FileSystem.ReadAsync(target.Auth, target.File, arguments.Offset, count, buffer, call.Context.CancellationToken).ConfigureAwait(false);
        status = StatusOf(read.Status);
        if (status != Nfsstat4.Nfs4Ok)
        {
            buffer.Drop();
            LogIfFailed(NfsOpnum4.OpRead, call, status);
            return (Failed(NfsOpnum4.OpRead, status), status);
        }
        var resok = new Read4Resok { Eof = read.Value.EndOfFile, Data = buffer.Data };
        return (NfsResop4.FromOpread(call.Scratch.Arm(new Read4Res { Status = status, Resok4 = resok })), status);
    }

    /// <summary>
    /// WRITE (RFC 7530 §16.36): with an open for write (NFS4ERR_OPENMODE otherwise) or the anonymous stateid (subject to
    /// other opens' DENY_WRITE: NFS4ERR_LOCKED); UNSTABLE4 may stay volatile until COMMIT, DATA_SYNC4 and FILE_SYNC4 are
    /// answered FILE_SYNC4. The verifier is v3's, so a client notices a restart alike.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(NfsResop4, Nfsstat4)> WriteAsync(Write4Args arguments, Nfs4Call call)
    {
        var status = FileTarget(call, out var target);
        if (status == Nfsstat4.Nfs4Ok && target.Share.Options.ReadOnly)
        {
            status = Nfsstat4.Nfs4errRofs;
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            status = CheckStateid(arguments.Stateid, call, target, Nfs4Opens.AccessWrite);
        }
        if (status == Nfsstat4.Nfs4Ok)
        {
            bool stable = arguments.Stable != StableHow4.Unstable4;
            var written = await target.FileSystem.WriteAsync(target.Auth, target.File, arguments.Offset, arguments.Data, stable, call.Context.CancellationToken).ConfigureAwait(false);
            status = StatusOf(written.Status);
            if (status == Nfsstat4.Nfs4Ok)
            {
                var resok = new Write4Resok
                {
                    Count = (uint)arguments.Data.Length,
                    Committed = stable ? StableHow4.FileSync4 : StableHow4.Unstable4,
                    Writeverf = WriteVerifier.Bytes.Value,
                };
                return (NfsResop4.FromOpwrite(call.Scratch.Arm(new Write4Res { Status = status, Resok4 = resok })), status);
            }
        }
        LogIfFailed(NfsOpnum4.OpWrite, call, status);
        return (Failed(NfsOpnum4.OpWrite, status), status);
    }

    /// <summary>The current filehandle as a share file for data: NFS4ERR_ISDIR for the pseudo file system's directories.</summary>
    private Nfsstat4 FileTarget(Nfs4Call call, out CallTarget target)
    {
        target = default;
        return !call.Current.IsSet ? Nfsstat4.Nfs4errNofilehandle
            : call.Current.Pseudo is not null ? Nfsstat4.Nfs4errIsdir
            : Target(call.Current, call, out target);
    }

    /// <summary>
    /// Whether a stateid lets the call read or write the current file: the anonymous stateid (all zeros) and, for reads,
    /// the READ-bypass one (all ones) need no open; 4.1's current stateid (seqid 1, other all zeros) is the last one an
    /// operation of this COMPOUND made; any other must be an open of this file holding the access (a read is allowed to
    /// an open for write, as servers commonly do).
    /// </summary>
    private Nfsstat4 CheckStateid(in Stateid4 stateid, Nfs4Call call, in CallTarget target, uint access)
    {
        var other = stateid.Other.Span;
        bool zeros = !other.ContainsAnyExcept((byte)0);
        if (zeros && stateid.Seqid == 0)
        {
            return _opens.CheckUnopened(target.Share.Id, target.File, access);
        }
        if (!other.ContainsAnyExcept((byte)0xFF) && stateid.Seqid == uint.MaxValue)
        {
            return access == Nfs4Opens.AccessRead ? Nfsstat4.Nfs4Ok : Nfsstat4.Nfs4errBadStateid;
        }
        var named = stateid;
        if (zeros && stateid.Seqid == 1 && call.MinorVersion == 1)
        {
            if (call.CurrentStateid is not { } current)
            {
                return Nfsstat4.Nfs4errBadStateid;
            }
            named = current;
        }
        var status = FindOwn(named, call, target, out var state);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return status;
        }
        if (call.MinorVersion == 0 && _clients.RenewClient(state.ClientId) != Nfsstat4.Nfs4Ok)
        {
            return Nfsstat4.Nfs4errExpired;
        }
        return access == Nfs4Opens.AccessWrite && (state.OpenAccess & Nfs4Opens.AccessWrite) == 0 ? Nfsstat4.Nfs4errOpenmode : Nfsstat4.Nfs4Ok;
    }

    /// <summary>The open a stateid names on the current file (OPEN_CONFIRM, OPEN_DOWNGRADE, CLOSE; a lock's stateid is not one).</summary>
    private Nfsstat4 FindOpen(in Stateid4 stateid, Nfs4Call call, out Nfs4Open open)
    {
        var status = FindState(stateid, call, out var state);
        open = (state as Nfs4Open)!;
        return status == Nfsstat4.Nfs4Ok && open is null ? Nfsstat4.Nfs4errBadStateid : status;
    }

    /// <summary>The open or lock state a stateid names on the current file; 4.1's current stateid is the COMPOUND's last.</summary>
    private Nfsstat4 FindState(in Stateid4 stateid, Nfs4Call call, out Nfs4State state)
    {
        state = null!;
        var status = FileTarget(call, out var target);
        if (status != Nfsstat4.Nfs4Ok)
        {
            return status;
        }
        return FindOwn(Named(stateid, call), call, target, out state);
    }

    /// <summary>
    /// The stateid an operation names: in 4.1 the special one of seqid 1 and "other" all zeros means the COMPOUND's current
    /// stateid (RFC 8881 §16.2.3.1.2), the last one an operation of it made.
    /// </summary>
    private static Stateid4 Named(in Stateid4 stateid, Nfs4Call call) =>
        call.MinorVersion == 1 && stateid.Seqid == 1 && !stateid.Other.Span.ContainsAnyExcept((byte)0) && call.CurrentStateid is { } current
            ? current
            : stateid;

    /// <summary>
    /// The state a stateid names on the target file, if it is the calling client's. 4.1: a stateid is the client's that
    /// was given it (RFC 8881 §8.2.4); in another client's session its "other" names none of that client's state,
    /// NFS4ERR_BAD_STATEID. 4.0 has no session to tell the caller's client by, so any holder of a stateid may use it.
    /// </summary>
    private Nfsstat4 FindOwn(in Stateid4 stateid, Nfs4Call call, in CallTarget target, out Nfs4State state)
    {
        var status = _opens.Find(stateid, call.MinorVersion, target.Share.Id, target.File, out state);
        if (status == Nfsstat4.Nfs4Ok && call.Session is { } session && state.ClientId != session.Client.Id)
        {
            state = null!;
            return Nfsstat4.Nfs4errBadStateid;
        }
        return status;
    }

    private static ulong VerifierValue(in Verifier4 verifier) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(verifier.Value.Span);

    /// <summary>A copy on the heap, for a COMPOUND's second and later READs (the reply carries one out-of-line region).</summary>
    private sealed class HeapReadBuffer : IReplyReadBuffer
    {
        private byte[] _bytes = [];

        public ReadOnlyMemory<byte> Data => _bytes;
        public bool Borrows(int length) => false;
        public Memory<byte> Allocate(int length) => _bytes = new byte[length];
        public void Borrow(ReadOnlyMemory<byte> bytes) => throw new InvalidOperationException("A heap read buffer does not borrow.");
        public void Hold(IDisposable loan) => throw new InvalidOperationException("A heap read buffer does not borrow.");
        public void Drop() => _bytes = [];
    }
}
