using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;
using WireWcc = DittoFs.Protocol.WccData;

namespace DittoFs.Nfs;

/// <summary>
/// NFS version 3 (RFC 1813 §3), an adapter over the share's file system: decode, one call into
/// <see cref="DittoFs.Vfs.VirtualFileSystem"/>, encode. Every call first resolves its handle (<see cref="Open"/>):
/// format, share, and the share's export checks, then the caller's identity after squashing. Business rules
/// (permissions, names, POSIX semantics, the order of metadata and content) are the file system's.
/// Expected failures are replies, logged at Debug; exceptions are bugs or broken back ends and propagate to the
/// RPC layer, which answers SYSTEM_ERR.
/// One procedure group per file: NfsService.*.cs.
/// </summary>
public sealed partial class NfsService : INfsV3<RpcCallContext>
{
    /// <summary>
    /// Identity for the few store reads the protocol itself needs beyond what the caller may see, e.g. the file id
    /// of ".." in a READDIR of a directory the caller may read but not search.
    /// </summary>
    private static readonly AuthContext ServerIdentity = AuthContext.Root();

    private readonly ShareTable _shares;
    private readonly NfsServerOptions _options;
    private readonly ILogger<NfsService> _logger;
    private readonly CallerIdentities _identities = new();

    public NfsService(ShareTable shares, NfsServerOptions options, ILogger<NfsService> logger, WriteVerifier? writeVerifier = null)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _shares = shares;
        _options = options;
        _logger = logger;
        WriteVerifier = writeVerifier ?? WriteVerifier.ForNewInstance();
    }

    /// <summary>The verifier WRITE and COMMIT return for this server instance.</summary>
    public WriteVerifier WriteVerifier { get; }

    /// <summary>NULL (RFC 1813 §3.3.0): nothing, so clients can ping the server.</summary>
    public ValueTask NullAsync(RpcCallContext context) => default;

    /// <summary>
    /// The share the call on <paramref name="context"/> went to: the one its first file handle names, known once
    /// the handle is resolved and kept whether or not the share admitted the caller; null for a handle that names no
    /// exported share (malformed, foreign, or of a share no longer exported). Valid from the call's completion until
    /// the next call on the context; meaningless after NULL, which has no handle. For metrics, which count calls by
    /// share without reading the handle a second time.
    /// </summary>
    public static Share? ShareOf(RpcCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (context.ServiceState as CallScratch)?.Share;
    }

    /// <summary>
    /// Begins a call (<see cref="CallScratch.Begin"/>: every procedure but NULL opens its first handle before
    /// anything else) and resolves its first handle (<see cref="Resolve"/>), recording the share the handle names.
    /// </summary>
    private Nfsstat3 Open(in NfsFh3 handle, RpcCallContext context, NfsV3Procedure procedure, out CallTarget target)
    {
        var scratch = CallScratch.Begin(context);
        var status = Resolve(handle, context, procedure, out target, out var share);
        scratch.Share = share;
        return status;
    }

    /// <summary>
    /// Resolves a handle for a call: NFS3ERR_BADHANDLE if it is not one of ours, NFS3ERR_STALE if its share is not
    /// exported (any more), NFS3ERR_ACCES if the share does not admit this client, port or credential flavour.
    /// Whether the file itself still exists, in this share, is the store's to say (Stale) when the procedure uses it.
    /// <paramref name="named"/> is the exported share the handle names, also when the call is refused.
    /// </summary>
    private Nfsstat3 Resolve(in NfsFh3 handle, RpcCallContext context, NfsV3Procedure procedure, out CallTarget target, out Share? named)
    {
        target = default;
        var status = FileHandle.TryParse(handle.Data.Span, out var parsed);
        // A well-formed handle of an impossible generation (Stale) still names its share.
        named = status != Nfsstat3.Nfs3errBadhandle && _shares.TryGet(parsed.ShareId, out var share) ? share : null;
        if (status != Nfsstat3.Nfs3Ok || named is null)
        {
            status = status == Nfsstat3.Nfs3Ok ? Nfsstat3.Nfs3errStale : status;
            if (_logger.IsEnabled(LogLevel.Debug))
                LogRefusedHandle(WireName.Of(procedure), parsed, WireName.Of(status), context.Client);
            return status;
        }
        if (!named.Options.Allows(context.Client, CallerIdentities.FlavorOf(context)))
        {
            if (_logger.IsEnabled(LogLevel.Debug))
                LogRefusedClient(WireName.Of(procedure), named.ExportPath, context.Client, context.AuthFlavor);
            return Nfsstat3.Nfs3errAcces;
        }
        // Scoped to the share: a handle naming the share id of one share and the file id of another share's file
        // (both shares in one store) finds nothing, so admission to one share never reaches another's files.
        target = new CallTarget(named, parsed.File.Within(named.Root), _identities.For(context, named.Options));
        return Nfsstat3.Nfs3Ok;
    }

    /// <summary>
    /// <see cref="Open"/> for a procedure that modifies the file system: NFS3ERR_ROFS on a read-only export, with
    /// <paramref name="target"/> still resolved so the reply can carry the object's attributes.
    /// </summary>
    private Nfsstat3 OpenForChange(in NfsFh3 handle, RpcCallContext context, NfsV3Procedure procedure, out CallTarget target)
    {
        var status = Open(handle, context, procedure, out target);
        if (status == Nfsstat3.Nfs3Ok && target.Share.Options.ReadOnly)
        {
            LogFailure(procedure, target.File, Nfsstat3.Nfs3errRofs);
            return Nfsstat3.Nfs3errRofs;
        }
        return status;
    }

    /// <summary>
    /// The store's status as nfsstat3, logging failures at Debug (they are answers, not faults), naming the file by
    /// <paramref name="name"/> in <paramref name="target"/>'s directory when the call has one (LOOKUP, CREATE, REMOVE ...).
    /// </summary>
    private Nfsstat3 Outcome(StoreStatus status, NfsV3Procedure procedure, in CallTarget target, ReadOnlyMemory<byte> name = default)
    {
        var nfs = NfsStatus.From(status);
        if (nfs != Nfsstat3.Nfs3Ok)
            LogFailure(procedure, target.File, nfs, name);
        return nfs;
    }

    /// <summary>One Debug line per refused call, with the RFC's names (NFS3ERR_NOENT, as the metrics say them).</summary>
    private void LogFailure(NfsV3Procedure procedure, FileRef file, Nfsstat3 status, ReadOnlyMemory<byte> name = default)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
            return;
        if (name.IsEmpty)
            LogFailure(WireName.Of(procedure), file, WireName.Of(status));
        else
            LogNamedFailure(WireName.Of(procedure), new LoggedName(name), file, WireName.Of(status));
    }

    /// <summary>Builds a procedure's reply from the file system's answer and what the procedure knew before it asked (<paramref name="state"/>).</summary>
    private delegate TReply Replier<TAnswer, TState, TReply>(NfsService service, in TAnswer answer, in TState state);

    /// <summary>
    /// The reply <paramref name="reply"/> builds from <paramref name="pending"/>'s answer: at once when the answer is
    /// ready (an in-memory store's always is), in an async method only when it is not. A procedure written as one async
    /// method kept the store's answer (~300 bytes for a create) in its state machine several times over, as awaiter,
    /// result and copies, and the runtime zeroed that frame, kilobytes, on every call (docs/performance.md, change 22).
    /// </summary>
    private ValueTask<TReply> Reply<TAnswer, TState, TReply>(ValueTask<TAnswer> pending, in TState state, Replier<TAnswer, TState, TReply> reply) =>
        pending.IsCompletedSuccessfully ? new(reply(this, pending.Result, state)) : ReplyLaterAsync(pending, state, reply);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TReply> ReplyLaterAsync<TAnswer, TState, TReply>(ValueTask<TAnswer> pending, TState state, Replier<TAnswer, TState, TReply> reply) =>
        reply(this, await pending.ConfigureAwait(false), state);

    /// <summary>
    /// WCC data for a change refused before it reached the store. On NFS3ERR_ROFS the object is known and
    /// untouched: its current attributes as both before and after (RFC 1813 §2.6 lets failures carry WCC data, and
    /// clients keep their caches with it). A bad, stale or refused handle gets none: nothing is told about it.
    /// </summary>
    private static ValueTask<WireWcc> RefusalWccAsync(Nfsstat3 status, in CallTarget target, CancellationToken cancellationToken) =>
        status == Nfsstat3.Nfs3errRofs ? UnchangedWccAsync(target, cancellationToken) : default;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<WireWcc> UnchangedWccAsync(CallTarget target, CancellationToken cancellationToken)
    {
        var attributes = await target.FileSystem.GetAttributesAsync(target.File, cancellationToken).ConfigureAwait(false);
        return attributes.IsOk ? target.Wcc(DittoFs.Storage.WccData.Unchanged(attributes.Value)) : default;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFS {Procedure}: handle {Handle} from {Client} refused with {Status}")]
    private partial void LogRefusedHandle(string procedure, FileHandle handle, string status, System.Net.IPEndPoint? client);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFS {Procedure}: share {ExportPath} refuses client {Client} with flavour {Flavor}")]
    private partial void LogRefusedClient(string procedure, string exportPath, System.Net.IPEndPoint? client, uint flavor);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFS {Procedure} on {File}: {Status}")]
    private partial void LogFailure(string procedure, FileRef file, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFS {Procedure} of {Name} in {Directory}: {Status}")]
    private partial void LogNamedFailure(string procedure, LoggedName name, FileRef directory, string status);
}
