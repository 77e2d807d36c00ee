using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;
using DittoFs.Xdr;
using Microsoft.Extensions.Logging;

namespace DittoFs.Nfs;

/// <summary>
/// MOUNT version 3 (RFC 1813 §5): hands out a share's root handle to clients its export options admit, and keeps
/// the advisory list of mounts. MNT is only a first gate: the NFS service checks the same options on every call.
/// </summary>
public sealed partial class MountService : IMountV3<RpcCallContext>
{
    private readonly ShareTable _shares;
    private readonly NfsServerOptions _options;
    private readonly ILogger<MountService> _logger;
    private readonly MountList _mounts = new();
    private readonly CallerIdentities _identities = new();

    public MountService(ShareTable shares, NfsServerOptions options, ILogger<MountService> logger)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _shares = shares;
        _options = options;
        _logger = logger;
    }

    /// <summary>MOUNTPROC3_NULL (RFC 1813 §5.2.0).</summary>
    public ValueTask NullAsync(RpcCallContext context) => default;

    /// <summary>
    /// MOUNTPROC3_MNT (RFC 1813 §5.2.1): the handle of the exported path, and the credential flavours its share
    /// accepts in order of preference. As with Linux mountd, a directory below an export may be mounted too
    /// (libnfs URLs name a directory that way); it is looked up with the caller's identity, so permissions apply.
    /// MNT3ERR_NOENT for a path that is not exported or does not exist, MNT3ERR_NOTDIR for a non-directory,
    /// MNT3ERR_ACCES for a client, port or flavour the share does not admit, or a directory it may not search.
    /// </summary>
    public ValueTask<Mountres3> MntAsync(Dirpath arguments, RpcCallContext context)
    {
        string path = Encoding.UTF8.GetString(arguments.Span);
        if (!_shares.TryGetContaining(path, out var share, out var below))
            return new(Refuse(path, context, Mountstat3.Mnt3errNoent));
        if (!share.Options.Allows(context.Client, CallerIdentities.FlavorOf(context)))
            return new(Refuse(path, context, Mountstat3.Mnt3errAcces));
        if (below.Length == 0)
            return new(Mounted(share, share.ExportPath, share.RootHandle, context));
        return MountBelowExportAsync(share, path, below, context);
    }

    private async ValueTask<Mountres3> MountBelowExportAsync(Share share, string path, string below, RpcCallContext context)
    {
        var auth = _identities.For(context, share.Options);
        var directory = share.Root;
        foreach (var component in below.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component is "." or "..")
                return Refuse(path, context, Mountstat3.Mnt3errNoent); // never climb out of the export
            var found = await share.FileSystem.LookupAsync(auth, directory, Encoding.UTF8.GetBytes(component), context.CancellationToken).ConfigureAwait(false);
            if (!found.IsOk)
                return Refuse(path, context, found.Status == StoreStatus.Access ? Mountstat3.Mnt3errAcces : Mountstat3.Mnt3errNoent);
            if (found.Value.File.Type != FileType.Directory)
                return Refuse(path, context, Mountstat3.Mnt3errNotdir);
            directory = found.Value.File.Ref;
        }
        return Mounted(share, path, new FileHandle(share.Id, directory).ToOpaque(), context);
    }

    private Mountres3 Mounted(Share share, string path, in InlineOpaque<InlineBytes64> handle, RpcCallContext context)
    {
        _mounts.Add(HostOf(context), path);
        LogMounted(path, context.Client);
        return new Mountres3
        {
            FhsStatus = Mountstat3.Mnt3Ok,
            Mountinfo = new Mountres3Ok { Fhandle = handle, AuthFlavors = share.MountAuthFlavors },
        };
    }

    private Mountres3 Refuse(string path, RpcCallContext context, Mountstat3 status)
    {
        LogMountRefused(path, context.Client, WireName.Of(status));
        return new Mountres3 { FhsStatus = status };
    }

    /// <summary>
    /// MOUNTPROC3_DUMP (RFC 1813 §5.2.2): the mount list. With <see cref="NfsServerOptions.DumpRestrictedToLocalhost"/>
    /// only loopback callers see it; others get an empty list.
    /// </summary>
    public ValueTask<XdrList<Mountbody, Mountbody>> DumpAsync(RpcCallContext context)
    {
        if (_options.DumpRestrictedToLocalhost && !ClientAddress.IsLoopback(context.Client))
        {
            return new(Array.Empty<Mountbody>());
        }
        return new(_mounts.ToMountBodies());
    }

    /// <summary>MOUNTPROC3_UMNT (RFC 1813 §5.2.3): forgets this client's mount of the path.</summary>
    public ValueTask UmntAsync(Dirpath arguments, RpcCallContext context)
    {
        string path = Encoding.UTF8.GetString(arguments.Span);
        string mounted = _shares.TryGetContaining(path, out var share, out var below) && below.Length == 0 ? share.ExportPath : path;
        _mounts.Remove(HostOf(context), mounted);
        return default;
    }

    /// <summary>MOUNTPROC3_UMNTALL (RFC 1813 §5.2.4): forgets every mount of this client.</summary>
    public ValueTask UmntallAsync(RpcCallContext context)
    {
        _mounts.RemoveHost(HostOf(context));
        return default;
    }

    /// <summary>
    /// MOUNTPROC3_EXPORT (RFC 1813 §5.2.5): every share with the client networks it admits (none listed: everyone),
    /// built once by the share table.
    /// </summary>
    public ValueTask<XdrList<Exportnode, Exportnode>> ExportAsync(RpcCallContext context) => new(_shares.Exports);

    /// <summary>A mount's host as DUMP shows it: the client's address (names would need a resolver, and clients may lie in AUTH_SYS).</summary>
    private static string HostOf(RpcCallContext context) => ClientAddress.Of(context.Client).ToString();

    [LoggerMessage(Level = LogLevel.Information, Message = "MOUNT {ExportPath} by {Client}")]
    private partial void LogMounted(string exportPath, System.Net.IPEndPoint? client);

    /// <summary>A warning: a client that cannot mount is what an operator is asked about (wrong path, allowed_clients, auth).</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "MOUNT {Path} by {Client} refused: {Status}")]
    private partial void LogMountRefused(string path, System.Net.IPEndPoint? client, string status);
}
