using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4.0 and 4.1 (RFC 7530, RFC 8881): COMPOUND over the same shares and file systems as NFSv3, with the same file
/// handles for the same files, and a pseudo file system above the shares (<see cref="PseudoFileSystem"/>).
/// Operations run in order on the current and saved filehandles and stop at the first that fails; the reply holds
/// the results up to and including it. Export rules (client networks, read-only, squashing, flavours) apply on every
/// operation that reaches a share, as for v3.
/// <para>
/// Served: navigation (PUT*FH, GETFH, SAVEFH, RESTOREFH, LOOKUP, LOOKUPP), attributes (GETATTR, SETATTR, VERIFY,
/// NVERIFY, ACCESS), the namespace (CREATE, REMOVE, RENAME, LINK, READLINK, READDIR), SECINFO(_NO_NAME); clients and
/// leases (4.0 SETCLIENTID, SETCLIENTID_CONFIRM, RENEW) and 4.1 sessions (EXCHANGE_ID, CREATE_SESSION, SEQUENCE with
/// its reply cache, DESTROY_SESSION, DESTROY_CLIENTID, RECLAIM_COMPLETE, BIND_CONN_TO_SESSION, TEST_STATEID, FREE_STATEID); opens with share
/// reservations (OPEN, OPEN_CONFIRM, OPEN_DOWNGRADE, CLOSE); READ, WRITE, COMMIT; byte-range locks (LOCK, LOCKT,
/// LOCKU, RELEASE_LOCKOWNER) in the share's lock table shared with NLM; after a restart, the clients
/// <see cref="Nfs4ClientRecords"/> kept reclaim their opens and locks in the grace period. Delegations are never granted.
/// </para>
/// One operation group per file: Nfs4Service.*.cs.
/// </summary>
public sealed partial class Nfs4Service : INfs4V4<RpcCallContext>
{
    private static readonly AuthContext ServerIdentity = AuthContext.Root();

    private readonly ShareTable _shares;
    private readonly NfsServerOptions _options;
    private readonly ILogger<Nfs4Service> _logger;
    private readonly CallerIdentities _identities = new();
    private readonly PseudoFileSystem _pseudo;
    private readonly Nfs4Clients _clients;
    private readonly Nfs4ClientRecords? _records;
    private readonly Action<NfsOpnum4, Nfsstat4>? _observeOperation;
    private readonly Nfs4Opens _opens;
    private readonly Action<IReadOnlyList<DittoFs.Vfs.Locks.LockGrant>>? _tellWoken;
    private readonly FileTime _started = FileTime.FromUnixNanoseconds((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100);

    /// <param name="clock">The clock of leases (tests move it); the system's by default.</param>
    /// <param name="writeVerifier">The verifier WRITE and COMMIT answer: v3's, so a client sees one server restart alike.</param>
    /// <param name="tellWoken">Tells NLM clients whose queued locks a v4 unlock or close granted (the lock manager's callbacks).</param>
    /// <param name="records">The clients' stable storage and grace period (see <see cref="Nfs4ClientRecords"/>); without, no
    /// state survives a restart, there is no grace period for opens and every reclaim is NFS4ERR_NO_GRACE.</param>
    /// <param name="observeOperation">Sees each operation that ran and its result's status (metrics; a replayed reply is not run again).</param>
    public Nfs4Service(ShareTable shares, NfsServerOptions options, ILogger<Nfs4Service> logger, TimeProvider? clock = null, WriteVerifier? writeVerifier = null,
        Action<IReadOnlyList<DittoFs.Vfs.Locks.LockGrant>>? tellWoken = null, Nfs4ClientRecords? records = null, Action<NfsOpnum4, Nfsstat4>? observeOperation = null)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _shares = shares;
        _options = options;
        _logger = logger;
        _pseudo = new PseudoFileSystem(shares);
        _records = records;
        _observeOperation = observeOperation;
        _clients = new Nfs4Clients(options.LeaseTime, clock, records);
        _opens = new Nfs4Opens(_clients.Epoch, options.LeaseTime, clock ?? TimeProvider.System);
        _clients.ClientRemoved += _opens.ReleaseClient;
        _clients.ClientRemoved += ReleaseLocks;
        _tellWoken = tellWoken;
        WriteVerifier = writeVerifier ?? WriteVerifier.ForNewInstance();
    }

    /// <summary>The verifier WRITE and COMMIT return for this server instance.</summary>
    public WriteVerifier WriteVerifier { get; }

    /// <summary>NULL (RFC 7530 §15.1): nothing, so clients can ping the server.</summary>
    public ValueTask NullAsync(RpcCallContext context) => default;

    /// <summary>
    /// COMPOUND (RFC 7530 §15.2, RFC 8881 §16.2): minor versions 0 and 1 (others NFS4ERR_MINOR_VERS_MISMATCH and no
    /// results); more than <see cref="NfsServerOptions.MaxCompoundOperations"/> operations fail at the first with
    /// NFS4ERR_RESOURCE (4.0) or NFS4ERR_TOO_MANY_OPS (4.1). The tag comes back as it was sent.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Compound4Res> CompoundAsync(Compound4Args arguments, RpcCallContext context)
    {
        if (arguments.Minorversion > 1)
        {
            return new Compound4Res { Status = Nfsstat4.Nfs4errMinorVersMismatch, Tag = arguments.Tag, Resarray = Array.Empty<NfsResop4>() };
        }
        int count = arguments.Argarray.Count;
        if (count == 0)
        {
            return new Compound4Res { Status = Nfsstat4.Nfs4Ok, Tag = arguments.Tag, Resarray = Array.Empty<NfsResop4>() };
        }
        // Past the limit only the first operations are looked at (SEQUENCE, and the one that fails): a COMPOUND of 100,000
        // operations costs no more than one at the limit.
        var call = Nfs4Call.Begin(arguments.Minorversion, context);
        var operations = call.Scratch.Rent<NfsArgop4>(Math.Min(count, _options.MaxCompoundOperations));
        var result = default(Compound4Res);
        try
        {
            CopyOperations(arguments.Argarray, operations, Math.Min(count, _options.MaxCompoundOperations));
            var results = call.Scratch.Rent<NfsResop4>(Math.Min(count, _options.MaxCompoundOperations));
            int done = 0;
            var status = Nfsstat4.Nfs4Ok;
            if (arguments.Minorversion == 1)
            {
                // RFC 8881 §2.10.6: SEQUENCE first, or one of the operations that make sessions, alone.
                var first = operations[0].Argop;
                if (first == NfsOpnum4.OpSequence)
                {
                    // The COMPOUND's own bytes, for the session's ca_maxrequestsize (decoded lists know their length).
                    call.RequestSize = Compound4Args.SizeOf(arguments);
                    var sequence = BeginSequence(operations[0].Opsequence, RequestShape(call.RequestSize, operations.AsSpan(0, Math.Min(count, _options.MaxCompoundOperations))), call);
                    if (sequence.Cached is { } cached)
                    {
                        return cached;
                    }
                    (results[0], status) = (sequence.Result, sequence.Status);
                    done = 1;
                }
                else if (first == NfsOpnum4.OpIllegal)
                {
                    // RFC 8881 §18.52.3: ILLEGAL's status is NFS4ERR_OP_ILLEGAL, wherever it comes.
                    status = Nfsstat4.Nfs4errOpIllegal;
                    (results[0], done) = (Failed(first, status), 1);
                }
                else if (!IsSessionless(first) || count > 1)
                {
                    status = IsSessionless(first) ? Nfsstat4.Nfs4errNotOnlyOp : Nfsstat4.Nfs4errOpNotInSession;
                    (results[0], done) = (Failed(first, status), 1);
                }
            }
            int limit = call.Session is { } session ? (int)(uint)session.ForeChannel.CaMaxoperations : _options.MaxCompoundOperations;
            if (status == Nfsstat4.Nfs4Ok && count > limit)
            {
                // RFC 7530 §16.2.3 / RFC 8881 §15.1.1.x: the first operation past what the server takes fails.
                status = arguments.Minorversion == 0 ? Nfsstat4.Nfs4errResource : Nfsstat4.Nfs4errTooManyOps;
                (results[done], done) = (Failed(operations[done].Argop, status), done + 1);
            }
            // The reply's room: status, tag and result count, then the results so far, and 16 bytes kept back so that a
            // result refused for want of room (an opnum, a status, SETATTR's empty bitmap) still fits. READ and READDIR
            // shorten what they return to fit; any other result that does not fit is refused in its place.
            call.ReplyRoom = ReplyLimit(call) - 12 - (arguments.Tag.Length + 3) / 4 * 4 - 16;
            for (int i = 0; i < done; i++)
            {
                call.ReplyRoom -= NfsResop4.SizeOf(results[i]);
            }
            while (status == Nfsstat4.Nfs4Ok && done < count)
            {
                (results[done], status) = await ExecuteAsync(operations[done], call).ConfigureAwait(false);
                call.ReplyRoom -= NfsResop4.SizeOf(results[done]);
                if (call.ReplyRoom < 0 && results[done].Resop != NfsOpnum4.OpIllegal) // ILLEGAL's status is always its own
                {
                    status = ReplyTooBig(call);
                    results[done] = Failed(results[done].Resop, status);
                }
                done++;
            }
            if (_observeOperation is { } observe)
            {
                // Every result before the last is NFS4_OK: the COMPOUND stops at the first that is not.
                for (int i = 0; i < done; i++)
                {
                    observe(results[i].Resop, i == done - 1 ? status : Nfsstat4.Nfs4Ok);
                }
            }
            result = new Compound4Res { Status = status, Tag = arguments.Tag, Resarray = new DittoFs.Xdr.XdrList<NfsResop4, NfsResop4>(results, done) };
            return result;
        }
        finally
        {
            EndSequence(call, result);
        }
    }

    /// <summary>
    /// How large a reply may be: a 4.1 session's ca_maxresponsesize, and ca_maxresponsesize_cached when the client asked
    /// for the reply to be cached (RFC 8881 §18.36.3); in 4.0, the transfer size plus the COMPOUND around it, as a session
    /// is offered at most.
    /// </summary>
    private int ReplyLimit(Nfs4Call call)
    {
        if (call.Session is not { } session)
        {
            return _options.MaxTransferSize + 64 * 1024;
        }
        uint limit = (uint)session.ForeChannel.CaMaxresponsesize;
        if (call.CacheThis)
        {
            limit = Math.Min(limit, (uint)session.ForeChannel.CaMaxresponsesizeCached);
        }
        return (int)Math.Min(limit, int.MaxValue);
    }

    /// <summary>
    /// An operation whose result does not fit the reply: in a session NFS4ERR_REP_TOO_BIG_TO_CACHE when the cache's
    /// limit is the smaller one and the client asked for caching, else NFS4ERR_REP_TOO_BIG (RFC 8881 §18.36.3, §18.46);
    /// NFS4ERR_RESOURCE in 4.0 (RFC 7530's COMPOUND: the server ran out of resources at that operation).
    /// </summary>
    private static Nfsstat4 ReplyTooBig(Nfs4Call call) =>
        call.MinorVersion == 0 ? Nfsstat4.Nfs4errResource
        : call.CacheThis && call.Session is { } session && (uint)session.ForeChannel.CaMaxresponsesizeCached < (uint)session.ForeChannel.CaMaxresponsesize
            ? Nfsstat4.Nfs4errRepTooBigToCache
            : Nfsstat4.Nfs4errRepTooBig;

    private static void CopyOperations(in DittoFs.Xdr.XdrList<NfsArgop4, NfsArgop4> list, NfsArgop4[] destination, int count)
    {
        int i = 0;
        foreach (var operation in list)
        {
            if (i == count)
            {
                break;
            }
            destination[i++] = operation;
        }
    }

    /// <summary>
    /// One operation: its result, and its status (the COMPOUND stops at the first that is not NFS4_OK). An operation
    /// with arguments runs through <see cref="Run"/>, so that its arguments are decoded in the handler's frame.
    /// </summary>
    private ValueTask<(NfsResop4, Nfsstat4)> ExecuteAsync(NfsArgop4 operation, Nfs4Call call) => operation.Argop switch
    {
        // RFC 7530's COMPOUND (§15.2): in 4.0 every operation past OP_RELEASE_LOCKOWNER is illegal, the 4.1 ones too.
        > NfsOpnum4.OpReleaseLockowner and not NfsOpnum4.OpIllegal when call.MinorVersion == 0 =>
            new((Failed(NfsOpnum4.OpIllegal, Nfsstat4.Nfs4errOpIllegal), Nfsstat4.Nfs4errOpIllegal)),
        NfsOpnum4.OpPutrootfh or NfsOpnum4.OpPutpubfh => new(PutRoot(operation.Argop, call)),
        NfsOpnum4.OpPutfh => Run(operation, call, static (s, o, c) => new(s.PutFh(o.Opputfh, c))),
        NfsOpnum4.OpGetfh => new(GetFh(call)),
        NfsOpnum4.OpSavefh => new(SaveFh(call)),
        NfsOpnum4.OpRestorefh => new(RestoreFh(call)),
        NfsOpnum4.OpLookup => Run(operation, call, static (s, o, c) => s.LookupAsync(o.Oplookup, c)),
        NfsOpnum4.OpLookupp => LookupParentAsync(call),
        NfsOpnum4.OpGetattr => Run(operation, call, static (s, o, c) => s.GetAttributesAsync(o.Opgetattr, c)),
        NfsOpnum4.OpAccess => Run(operation, call, static (s, o, c) => s.AccessAsync(o.Opaccess, c)),
        NfsOpnum4.OpReadlink => ReadLinkAsync(call),
        NfsOpnum4.OpReaddir => Run(operation, call, static (s, o, c) => s.ReadDirectoryAsync(o.Opreaddir, c)),
        NfsOpnum4.OpOpen => Run(operation, call, static (s, o, c) => s.OpenAsync(o.Opopen, c)),
        NfsOpnum4.OpOpenConfirm when call.MinorVersion == 0 => Run(operation, call, static (s, o, c) => new(s.OpenConfirm(o.OpopenConfirm, c))),
        NfsOpnum4.OpOpenDowngrade => Run(operation, call, static (s, o, c) => new(s.OpenDowngrade(o.OpopenDowngrade, c))),
        NfsOpnum4.OpClose => Run(operation, call, static (s, o, c) => new(s.Close(o.Opclose, c))),
        NfsOpnum4.OpRead => Run(operation, call, static (s, o, c) => s.ReadAsync(o.Opread, c)),
        NfsOpnum4.OpWrite => Run(operation, call, static (s, o, c) => s.WriteAsync(o.Opwrite, c)),
        NfsOpnum4.OpLock => Run(operation, call, static (s, o, c) => new(s.Lock(o.Oplock, c))),
        NfsOpnum4.OpLockt => Run(operation, call, static (s, o, c) => new(s.LockTest(o.Oplockt, c))),
        NfsOpnum4.OpLocku => Run(operation, call, static (s, o, c) => new(s.Unlock(o.Oplocku, c))),
        NfsOpnum4.OpReleaseLockowner when call.MinorVersion == 0 => Run(operation, call, static (s, o, c) => new(s.ReleaseLockOwner(o.OpreleaseLockowner))),
        NfsOpnum4.OpSecinfo => Run(operation, call, static (s, o, c) => s.SecurityInfoAsync(o.Opsecinfo.Name, c)),
        NfsOpnum4.OpSecinfoNoName => Run(operation, call, static (s, o, c) => new(s.SecurityInfoNoName(o.OpsecinfoNoName, c))),
        NfsOpnum4.OpSetclientid when call.MinorVersion == 0 => Run(operation, call, static (s, o, c) => new(s.SetClientId(o.Opsetclientid, c))),
        NfsOpnum4.OpSetclientidConfirm when call.MinorVersion == 0 => Run(operation, call, static (s, o, c) => new(s.ConfirmClientId(o.OpsetclientidConfirm, c))),
        NfsOpnum4.OpRenew when call.MinorVersion == 0 => Run(operation, call, static (s, o, c) => new(s.Renew(o.Oprenew))),
        NfsOpnum4.OpExchangeId => Run(operation, call, static (s, o, c) => new(s.ExchangeId(o.OpexchangeId, c))),
        NfsOpnum4.OpCreateSession => Run(operation, call, static (s, o, c) => new(s.CreateSession(o.OpcreateSession, c))),
        NfsOpnum4.OpDestroySession => Run(operation, call, static (s, o, c) => new(s.DestroySession(o.OpdestroySession))),
        NfsOpnum4.OpDestroyClientid => Run(operation, call, static (s, o, c) => new(s.DestroyClient(o.OpdestroyClientid))),
        NfsOpnum4.OpBindConnToSession => Run(operation, call, static (s, o, c) => new(s.BindConnection(o.OpbindConnToSession, c))),
        NfsOpnum4.OpTestStateid when call.Session is not null => Run(operation, call, static (s, o, c) => new(s.TestStateids(o.OptestStateid, c))),
        NfsOpnum4.OpFreeStateid when call.Session is not null => Run(operation, call, static (s, o, c) => new(s.FreeStateid(o.OpfreeStateid, c))),
        NfsOpnum4.OpReclaimComplete when call.Session is not null => Run(operation, call, static (s, o, c) => new(s.ReclaimComplete(o.OpreclaimComplete, c))),
        NfsOpnum4.OpSequence when call.MinorVersion == 1 => new((Failed(NfsOpnum4.OpSequence, Nfsstat4.Nfs4errSequencePos), Nfsstat4.Nfs4errSequencePos)),
        _ when call.MinorVersion == 1 && IsVersion40Only(operation.Argop) => new((Failed(operation.Argop, Nfsstat4.Nfs4errNotsupp), Nfsstat4.Nfs4errNotsupp)),
        NfsOpnum4.OpSetattr => Run(operation, call, static (s, o, c) => s.SetAttributesAsync(o.Opsetattr, c)),
        NfsOpnum4.OpVerify => Run(operation, call, static (s, o, c) => s.VerifyAsync(o.Opverify.ObjAttributes, c)),
        NfsOpnum4.OpNverify => Run(operation, call, static (s, o, c) => s.NotVerifyAsync(o.Opnverify.ObjAttributes, c)),
        NfsOpnum4.OpOpenattr => new(OpenAttributes(call)),
        NfsOpnum4.OpCreate => Run(operation, call, static (s, o, c) => s.CreateAsync(o.Opcreate, c)),
        NfsOpnum4.OpRemove => Run(operation, call, static (s, o, c) => s.RemoveAsync(o.Opremove, c)),
        NfsOpnum4.OpRename => Run(operation, call, static (s, o, c) => s.RenameAsync(o.Oprename, c)),
        NfsOpnum4.OpLink => Run(operation, call, static (s, o, c) => s.LinkAsync(o.Oplink, c)),
        NfsOpnum4.OpCommit => Run(operation, call, static (s, o, c) => s.CommitAsync(o.Opcommit, c)),
        NfsOpnum4.OpIllegal => new((Failed(NfsOpnum4.OpIllegal, Nfsstat4.Nfs4errOpIllegal), Nfsstat4.Nfs4errOpIllegal)),
        _ => new(NotYetServed(operation.Argop)),
    };

    /// <summary>
    /// Runs <paramref name="handler"/> outside <see cref="ExecuteAsync"/>. Decoding an operation's arguments inline there
    /// (with the JIT inlining each arm's decoder) gave that one method a 5 KB frame of argument structs, all ~40
    /// operations' together, which the runtime zeroed on every operation of every COMPOUND.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<(NfsResop4, Nfsstat4)> Run(NfsArgop4 operation, Nfs4Call call, Func<Nfs4Service, NfsArgop4, Nfs4Call, ValueTask<(NfsResop4, Nfsstat4)>> handler) =>
        handler(this, operation, call);

    /// <summary>A client that is gone loses its locks on every share (RFC 7530 §9.6); NLM waiters they held up are told.</summary>
    private void ReleaseLocks(ulong clientId)
    {
        var client = DittoFs.Vfs.Locks.LockClient.Nfs4(clientId);
        foreach (var share in _shares.All)
        {
            TellWoken(share.FileSystem.Locks.ReleaseClient(client).Woken);
        }
    }

    /// <summary>An operation of the minor version that is not served yet (4.0 ones past OP_RELEASE_LOCKOWNER never get here).</summary>
    private (NfsResop4, Nfsstat4) NotYetServed(NfsOpnum4 operation)
    {
        LogNotServed(WireName.Of(operation), WireName.Of(Nfsstat4.Nfs4errNotsupp));
        return (Failed(operation, Nfsstat4.Nfs4errNotsupp), Nfsstat4.Nfs4errNotsupp);
    }

    /// <summary>
    /// The result of <paramref name="operation"/> that is only <paramref name="status"/>: every result union is a status
    /// with a void arm for errors, except SETATTR's, which also carries the (empty) bitmap of attributes set.
    /// </summary>
    private static NfsResop4 Failed(NfsOpnum4 operation, Nfsstat4 status)
    {
        // A status nfsstat4 does not define is never made by the service, but not worth a crash either.
        var encoded = StatusEncodings.TryGetValue(status, out var made) ? made : EncodeStatus(status);
        return NfsResop4.FromEncoded(operation, encoded[..(operation == NfsOpnum4.OpSetattr ? 8 : 4)]);
    }

    /// <summary>Each nfsstat4 encoded, followed by an empty bitmap (SETATTR's): the results that are only a status, made once.</summary>
    private static readonly FrozenDictionary<Nfsstat4, ReadOnlyMemory<byte>> StatusEncodings =
        Enum.GetValues<Nfsstat4>().Distinct().ToFrozenDictionary(status => status, EncodeStatus);

    private static ReadOnlyMemory<byte> EncodeStatus(Nfsstat4 status)
    {
        var encoded = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(encoded, (int)status);
        return encoded;
    }

    /// <summary>The store's status as nfsstat4: the shared codes are the same numbers as nfsstat3's; v3-only ones are a server fault.</summary>
    private static Nfsstat4 StatusOf(StoreStatus status)
    {
        var nfs = (Nfsstat4)(int)status;
        return Nfsstat4Codec.IsDefined(nfs) ? nfs : Nfsstat4.Nfs4errServerfault;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFSv4 {Operation}: {Status} (not served yet)")]
    private partial void LogNotServed(string operation, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFSv4 {Operation} on {Target}: {Status}")]
    private partial void LogFailure(string operation, object? target, string status);
}

/// <summary>
/// The state of one COMPOUND: its minor version, the caller, and the current and saved filehandles. One per
/// <see cref="RpcCallContext"/>, kept in its <see cref="CallScratch"/> and begun again for each call (the RPC layer reuses a
/// context only after its call was answered), so a COMPOUND allocates no state of its own.
/// </summary>
internal sealed class Nfs4Call
{
    private Nfs4Call(CallScratch scratch, RpcCallContext context)
    {
        Scratch = scratch;
        Context = context;
    }

    /// <summary>The state of a new COMPOUND on <paramref name="context"/>; the memory its previous reply pointed into is free again.</summary>
    public static Nfs4Call Begin(uint minorVersion, RpcCallContext context)
    {
        var scratch = CallScratch.Begin(context);
        var call = scratch.Nfs4 ??= new Nfs4Call(scratch, context);
        call.MinorVersion = minorVersion;
        call.Current = default;
        call.Saved = default;
        call.Session = null;
        call.Slot = null;
        call.CacheThis = false;
        call.CurrentStateid = null;
        call.RequestSize = 0;
        call.ReplyRoom = int.MaxValue;
        call.ReadsDone = 0;
        return call;
    }

    public uint MinorVersion { get; private set; }
    public RpcCallContext Context { get; }

    /// <summary>Memory the reply points into: results, their boxes, attribute masks and values.</summary>
    public CallScratch Scratch { get; }

    public Nfs4Fh Current { get; set; }
    public Nfs4Fh Saved { get; set; }

    /// <summary>4.1: the session and slot SEQUENCE named, and whether the reply is to be cached on it.</summary>
    public Nfs4Session? Session { get; set; }
    public Nfs4Slot? Slot { get; set; }
    public bool CacheThis { get; set; }

    /// <summary>4.1's current stateid (RFC 8881 §16.2.3.1.2): the last one an operation of this COMPOUND made.</summary>
    public Stateid4? CurrentStateid { get; set; }

    /// <summary>
    /// 4.1: the encoded size of the COMPOUND's arguments, which SEQUENCE holds against the session's ca_maxrequestsize.
    /// That limit counts the RPC header too, which the service does not see: a request may pass by at most its header.
    /// </summary>
    public int RequestSize { get; set; }

    /// <summary>Bytes the reply can still take (see <see cref="Nfs4Service.CompoundAsync"/>); READ and READDIR fit into it.</summary>
    public int ReplyRoom { get; set; } = int.MaxValue;

    /// <summary>The words of a bitmap the client sent (an attribute mask), in pooled memory of the call.</summary>
    public ReadOnlyMemory<uint> Words(in XdrList<uint, XdrUInt32Codec> bitmap)
    {
        if (bitmap.Count == 0)
        {
            return default;
        }
        var words = Scratch.Rent<uint>(bitmap.Count);
        int i = 0;
        foreach (uint word in bitmap)
        {
            words[i++] = word;
        }
        return words.AsMemory(0, bitmap.Count);
    }

    /// <summary>What the operation running described (see Nfs4Service.DescribeAsync): a field, so that it is not copied.</summary>
    public Nfs4Object Described;

    /// <summary>READs done in this COMPOUND: only the first uses the reply's out-of-line data.</summary>
    public int ReadsDone { get; set; }
}

/// <summary>
/// A filehandle of the COMPOUND: a pseudo directory, or a file of a share (the share's root when LOOKUP crossed into
/// it). <c>default</c> is no filehandle.
/// </summary>
internal readonly record struct Nfs4Fh(PseudoNode? Pseudo, Share? Share, FileRef File)
{
    public bool IsSet => Pseudo is not null || Share is not null;

    public static Nfs4Fh Of(PseudoNode node) => node.Share is { } share ? new(null, share, share.Root) : new(node, null, default);

    public override string ToString() => Pseudo is not null ? $"pseudo {Pseudo}" : Share is not null ? $"{File} in {Share}" : "no filehandle";
}
