using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>
/// NFSv4.0 and 4.1 (RFC 7530, RFC 8881): COMPOUND over the same shares and file systems as NFSv3, with the same file
/// handles for the same files, and a pseudo file system above the shares (<see cref="PseudoFileSystem"/>).
/// Operations run in order on the current and saved filehandles and stop at the first that fails; the reply holds
/// the results up to and including it. Export rules (client networks, read-only, squashing, flavours) apply on every
/// operation that reaches a share, as for v3.
/// <para>
/// Served so far: navigation (PUTROOTFH, PUTPUBFH, PUTFH, GETFH, SAVEFH, RESTOREFH, LOOKUP, LOOKUPP), GETATTR,
/// ACCESS, READLINK, READDIR, SECINFO and SECINFO_NO_NAME. Every other operation answers NFS4ERR_NOTSUPP (state:
/// client ids, sessions, OPEN, READ/WRITE with stateids and locks are the next steps), so the service is not yet
/// registered with the server.
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
    private readonly FileTime _started = FileTime.FromUnixNanoseconds((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100);

    /// <param name="writeVerifier">The verifier of WRITE and COMMIT: the v3 service's, so both versions answer one per server instance.</param>
    public Nfs4Service(ShareTable shares, NfsServerOptions options, ILogger<Nfs4Service> logger, WriteVerifier? writeVerifier = null)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _shares = shares;
        _options = options;
        _logger = logger;
        _pseudo = new PseudoFileSystem(shares);
        WriteVerifier = writeVerifier ?? WriteVerifier.ForNewInstance();
    }

    /// <summary>The verifier WRITE and COMMIT return for this server instance.</summary>
    public WriteVerifier WriteVerifier { get; }

    /// <summary>NULL (RFC 7530 §16.1): nothing, so clients can ping the server.</summary>
    public ValueTask NullAsync(RpcCallContext context) => default;

    /// <summary>
    /// COMPOUND (RFC 7530 §16.2, RFC 8881 §18.2): minor versions 0 and 1 (others NFS4ERR_MINOR_VERS_MISMATCH and no
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
        var operations = ArrayPool<NfsArgop4>.Shared.Rent(count);
        try
        {
            CopyOperations(arguments.Argarray, operations);
            var call = new Nfs4Call(arguments.Minorversion, context);
            if (count > _options.MaxCompoundOperations)
            {
                var tooMany = arguments.Minorversion == 0 ? Nfsstat4.Nfs4errResource : Nfsstat4.Nfs4errTooManyOps;
                return new Compound4Res { Status = tooMany, Tag = arguments.Tag, Resarray = new[] { Failed(operations[0].Argop, tooMany) } };
            }
            var results = new NfsResop4[count];
            var status = Nfsstat4.Nfs4Ok;
            int done = 0;
            while (done < count)
            {
                (results[done], status) = await ExecuteAsync(operations[done], call).ConfigureAwait(false);
                done++;
                if (status != Nfsstat4.Nfs4Ok)
                {
                    break;
                }
            }
            return new Compound4Res { Status = status, Tag = arguments.Tag, Resarray = new DittoFs.Xdr.XdrList<NfsResop4, NfsResop4>(results, done) };
        }
        finally
        {
            ArrayPool<NfsArgop4>.Shared.Return(operations, clearArray: true);
        }
    }

    private static void CopyOperations(in DittoFs.Xdr.XdrList<NfsArgop4, NfsArgop4> list, NfsArgop4[] destination)
    {
        int i = 0;
        foreach (var operation in list)
        {
            destination[i++] = operation;
        }
    }

    /// <summary>One operation: its result, and its status (the COMPOUND stops at the first that is not NFS4_OK).</summary>
    private ValueTask<(NfsResop4, Nfsstat4)> ExecuteAsync(NfsArgop4 operation, Nfs4Call call) => operation.Argop switch
    {
        NfsOpnum4.OpPutrootfh or NfsOpnum4.OpPutpubfh => new(PutRoot(operation.Argop, call)),
        NfsOpnum4.OpPutfh => new(PutFh(operation.Opputfh, call)),
        NfsOpnum4.OpGetfh => new(GetFh(call)),
        NfsOpnum4.OpSavefh => new(SaveFh(call)),
        NfsOpnum4.OpRestorefh => new(RestoreFh(call)),
        NfsOpnum4.OpLookup => LookupAsync(operation.Oplookup, call),
        NfsOpnum4.OpLookupp => LookupParentAsync(call),
        NfsOpnum4.OpGetattr => GetAttributesAsync(operation.Opgetattr, call),
        NfsOpnum4.OpAccess => AccessAsync(operation.Opaccess, call),
        NfsOpnum4.OpReadlink => ReadLinkAsync(call),
        NfsOpnum4.OpReaddir => ReadDirectoryAsync(operation.Opreaddir, call),
        NfsOpnum4.OpSecinfo => SecurityInfoAsync(operation.Opsecinfo.Name, call),
        NfsOpnum4.OpSecinfoNoName => new(SecurityInfoNoName(operation.OpsecinfoNoName, call)),
        NfsOpnum4.OpSetattr => SetAttributesAsync(operation.Opsetattr, call),
        NfsOpnum4.OpVerify => VerifyAsync(operation.Opverify.ObjAttributes, call),
        NfsOpnum4.OpNverify => NotVerifyAsync(operation.Opnverify.ObjAttributes, call),
        NfsOpnum4.OpOpenattr => new(OpenAttributes(call)),
        NfsOpnum4.OpCreate => CreateAsync(operation.Opcreate, call),
        NfsOpnum4.OpRemove => RemoveAsync(operation.Opremove, call),
        NfsOpnum4.OpRename => RenameAsync(operation.Oprename, call),
        NfsOpnum4.OpLink => LinkAsync(operation.Oplink, call),
        NfsOpnum4.OpCommit => CommitAsync(operation.Opcommit, call),
        NfsOpnum4.OpIllegal => new((Failed(NfsOpnum4.OpIllegal, Nfsstat4.Nfs4errOpIllegal), Nfsstat4.Nfs4errOpIllegal)),
        _ => new(NotYetServed(operation.Argop, call)),
    };

    /// <summary>An operation defined by the protocol but not served yet; 4.1-only operations in a 4.0 COMPOUND are illegal there.</summary>
    private (NfsResop4, Nfsstat4) NotYetServed(NfsOpnum4 operation, Nfs4Call call)
    {
        var status = call.MinorVersion == 0 && (int)operation > (int)NfsOpnum4.OpReleaseLockowner
            ? Nfsstat4.Nfs4errOpIllegal
            : Nfsstat4.Nfs4errNotsupp;
        LogNotServed(operation, status);
        return status == Nfsstat4.Nfs4errOpIllegal
            ? (Failed(NfsOpnum4.OpIllegal, status), status)
            : (Failed(operation, status), status);
    }

    /// <summary>
    /// The result of <paramref name="operation"/> that is only <paramref name="status"/>: every result union is a status
    /// with a void arm for errors, except SETATTR's, which also carries the (empty) bitmap of attributes set.
    /// </summary>
    private static NfsResop4 Failed(NfsOpnum4 operation, Nfsstat4 status)
    {
        var encoded = new byte[operation == NfsOpnum4.OpSetattr ? 8 : 4];
        BinaryPrimitives.WriteInt32BigEndian(encoded, (int)status);
        return NfsResop4.FromEncoded(operation, encoded);
    }

    /// <summary>The store's status as nfsstat4: the shared codes are the same numbers as nfsstat3's; v3-only ones are a server fault.</summary>
    private static Nfsstat4 StatusOf(StoreStatus status)
    {
        var nfs = (Nfsstat4)(int)status;
        return Nfsstat4Codec.IsDefined(nfs) ? nfs : Nfsstat4.Nfs4errServerfault;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFSv4 {Operation}: {Status} (not served yet)")]
    private partial void LogNotServed(NfsOpnum4 operation, Nfsstat4 status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "NFSv4 {Operation} on {Target}: {Status}")]
    private partial void LogFailure(NfsOpnum4 operation, object? target, Nfsstat4 status);
}

/// <summary>The state of one COMPOUND: its minor version, the caller, and the current and saved filehandles.</summary>
internal sealed class Nfs4Call(uint minorVersion, RpcCallContext context)
{
    public uint MinorVersion { get; } = minorVersion;
    public RpcCallContext Context { get; } = context;
    public Nfs4Fh Current { get; set; }
    public Nfs4Fh Saved { get; set; }
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
