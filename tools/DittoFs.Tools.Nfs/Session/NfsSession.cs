using System.Text;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>
/// One client's view of one export: the connections (NFS, and MOUNT when it listens elsewhere), the export's
/// root handle, and path resolution by LOOKUP with a cache of directory handles, so walking several paths
/// under one directory looks each directory up once.
/// <para>
/// Finding the export: the URL does not mark where the export path ends. The session asks MOUNT EXPORT for
/// the export list and mounts the longest export that is a whole-component prefix of the URL's path; the
/// rest of the path is walked with LOOKUP. If EXPORT is refused or lists nothing that matches (servers may
/// hide their list), MNT is tried on the path's prefixes from the longest down, as libnfs users expect from
/// <c>nfs://host/export/dir</c>.
/// </para>
/// Path resolution (and its cache) is for a command's own sequential steps; concurrent loads (transfers, bench)
/// call <see cref="Nfs"/> directly, which the RPC client pipelines on one connection.
/// </summary>
internal sealed class NfsSession : IAsyncDisposable
{
    private readonly RpcClient _nfsTransport;
    private readonly RpcClient? _mountTransport; // null when MOUNT shares the NFS connection
    private readonly List<RpcClient> _extraTransports = [];
    private readonly int _nfsPort;
    private readonly RpcClientOptions _rpcOptions;
    private readonly Dictionary<string, NfsFh3> _directories = new(StringComparer.Ordinal);
    private Fsinfo3Resok? _fsinfo;

    private NfsSession(NfsUrl url, int nfsPort, RpcClientOptions rpcOptions, RpcClient nfsTransport, RpcClient? mountTransport)
    {
        Url = url;
        _nfsPort = nfsPort;
        _rpcOptions = rpcOptions;
        _nfsTransport = nfsTransport;
        _mountTransport = mountTransport;
        Nfs = new NfsV3Client(nfsTransport);
        Mount = new MountV3Client(mountTransport ?? nfsTransport);
    }

    public NfsUrl Url { get; }
    public NfsV3Client Nfs { get; }
    public MountV3Client Mount { get; }

    /// <summary>The mounted export path (null until <see cref="MountExportAsync"/>).</summary>
    public string? ExportPath { get; private set; }

    /// <summary>The root handle of the mounted export.</summary>
    public NfsFh3 Root { get; private set; }

    /// <summary>Resolves the ports, connects, and (if <paramref name="mount"/>) mounts the export holding the URL's path.</summary>
    public static async Task<NfsSession> ConnectAsync(NfsUrl url, SessionOptions options, bool mount, CancellationToken cancellationToken)
    {
        var (nfsPort, mountPort) = await PortMapper.ResolveAsync(url, options, cancellationToken).ConfigureAwait(false);
        var rpcOptions = RpcOptions(url, options);
        var nfsTransport = await RpcClient.ConnectAsync(url.Host, nfsPort, rpcOptions, cancellationToken).ConfigureAwait(false);
        RpcClient? mountTransport = null;
        try
        {
            if (mountPort != nfsPort)
                mountTransport = await RpcClient.ConnectAsync(url.Host, mountPort, rpcOptions, cancellationToken).ConfigureAwait(false);
            var session = new NfsSession(url, nfsPort, rpcOptions, nfsTransport, mountTransport);
            if (mount)
                await session.MountExportAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            if (mountTransport is not null)
                await mountTransport.DisposeAsync().ConfigureAwait(false);
            await nfsTransport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>How calls to the URL's server are made: AUTH_SYS as the URL's (or this process's) uid and gid.</summary>
    public static RpcClientOptions RpcOptions(NfsUrl url, SessionOptions options) => new()
    {
        Credential = RpcCredential.AuthSys(url.Uid ?? LocalIdentity.Uid, url.Gid ?? LocalIdentity.Gid, machineName: options.MachineName),
        UsePrivilegedPort = options.PrivilegedPort,
        CallTimeout = options.CallTimeout,
        ConnectTimeout = options.ConnectTimeout,
    };

    /// <summary>Another TCP connection to the NFS program (closed with the session), for loads spread over connections.</summary>
    public async Task<NfsV3Client> ConnectAgainAsync(CancellationToken cancellationToken)
    {
        var transport = await RpcClient.ConnectAsync(Url.Host, _nfsPort, _rpcOptions, cancellationToken).ConfigureAwait(false);
        _extraTransports.Add(transport);
        return new NfsV3Client(transport);
    }

    private async Task MountExportAsync(CancellationToken cancellationToken)
    {
        string? export = await FindListedExportAsync(cancellationToken).ConfigureAwait(false);
        if (export is not null)
        {
            var result = await Mount.MntAsync(Encoding.UTF8.GetBytes(export), cancellationToken).ConfigureAwait(false);
            if (result.FhsStatus != Mountstat3.Mnt3Ok)
                throw new MountException(result.FhsStatus, export);
            Mounted(export, result);
            return;
        }
        // No usable export list: the longest prefix of the path that MNT accepts is the mount point.
        var status = Mountstat3.Mnt3errNoent;
        foreach (string prefix in PrefixesLongestFirst(Url.Path))
        {
            var result = await Mount.MntAsync(Encoding.UTF8.GetBytes(prefix), cancellationToken).ConfigureAwait(false);
            if (result.FhsStatus == Mountstat3.Mnt3Ok)
            {
                Mounted(prefix, result);
                return;
            }
            status = result.FhsStatus;
            if (status is not (Mountstat3.Mnt3errNoent or Mountstat3.Mnt3errNotdir))
                throw new MountException(status, prefix);
        }
        throw new MountException(status, Url.Path);
    }

    private void Mounted(string export, in Mountres3 result)
    {
        ExportPath = export;
        Root = new NfsFh3 { Data = result.Mountinfo.Fhandle };
    }

    /// <summary>The longest listed export containing the URL's path, or null if EXPORT fails or none contains it.</summary>
    private async Task<string?> FindListedExportAsync(CancellationToken cancellationToken)
    {
        string[] exports;
        try
        {
            exports = await ListExportsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            return null;
        }
        return exports.Where(export => IsWithin(Url.Path, export)).OrderByDescending(export => export.Length).FirstOrDefault();
    }

    /// <summary>The export paths MOUNT EXPORT lists (RFC 1813 §5.2.5).</summary>
    public async Task<string[]> ListExportsAsync(CancellationToken cancellationToken)
    {
        var exports = await Mount.ExportAsync(cancellationToken).ConfigureAwait(false);
        var paths = new List<string>(exports.Count);
        foreach (var node in exports)
            paths.Add(Encoding.UTF8.GetString(node.ExDir.Span));
        return [.. paths];
    }

    /// <summary>"/a/b/c", "/a/b", "/a", "/".</summary>
    internal static IEnumerable<string> PrefixesLongestFirst(string path)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int count = parts.Length; count >= 0; count--)
            yield return "/" + string.Join('/', parts.Take(count));
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or lies below it (whole components).</summary>
    internal static bool IsWithin(string path, string directory)
    {
        directory = directory.Length > 1 ? directory.TrimEnd('/') : directory;
        if (directory == "/")
            return path.StartsWith('/');
        return path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);
    }

    /// <summary>The components of <paramref name="path"/> below the export; a path outside it is a usage error.</summary>
    public string[] ComponentsBelowExport(string path)
    {
        string export = ExportPath ?? throw new InvalidOperationException("No export is mounted.");
        if (!IsWithin(path, export))
            throw new UsageException($"{path} is not inside the export {export} (commands with two URLs work within one export)");
        return path[export.TrimEnd('/').Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The object at <paramref name="path"/> (a server path, as in the URL), by LOOKUP from the export root.</summary>
    public async Task<NfsObject> ResolveAsync(string path, CancellationToken cancellationToken)
    {
        string[] components = ComponentsBelowExport(path);
        if (components.Length == 0)
            return new NfsObject(path, Root, await GetAttributesAsync(Root, path, cancellationToken).ConfigureAwait(false));
        var directory = await ResolveDirectoryAsync(components[..^1], cancellationToken).ConfigureAwait(false);
        return await LookupAsync(directory, components[^1], path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The directory that holds <paramref name="path"/> and the last component's name as bytes.</summary>
    public async Task<(NfsFh3 Directory, byte[] Name)> ResolveParentAsync(string path, CancellationToken cancellationToken)
    {
        string[] components = ComponentsBelowExport(path);
        if (components.Length == 0)
            throw new UsageException($"{path} is the export's root: it has no parent directory to change");
        var directory = await ResolveDirectoryAsync(components[..^1], cancellationToken).ConfigureAwait(false);
        return (directory, Encoding.UTF8.GetBytes(components[^1]));
    }

    /// <summary>LOOKUP of one name in a directory, with the object's attributes (GETATTR if LOOKUP did not return them).</summary>
    public async Task<NfsObject> LookupAsync(NfsFh3 directory, string name, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.LookupAsync(new Lookup3Args { What = new Diropargs3 { Dir = directory, Name = Encoding.UTF8.GetBytes(name) } }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "LOOKUP", path);
        var handle = result.Resok.Object;
        var attributes = result.Resok.ObjAttributes.AttributesFollow
            ? result.Resok.ObjAttributes.Attributes
            : await GetAttributesAsync(handle, path, cancellationToken).ConfigureAwait(false);
        return new NfsObject(path, handle, attributes);
    }

    public async Task<Fattr3> GetAttributesAsync(NfsFh3 handle, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.GetattrAsync(new Getattr3Args { Object = handle }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "GETATTR", path);
        return result.Resok.ObjAttributes;
    }

    /// <summary>READLINK: the text of a symbolic link.</summary>
    public async Task<string> ReadLinkAsync(NfsFh3 link, string path, CancellationToken cancellationToken)
    {
        var result = await Nfs.ReadlinkAsync(new Readlink3Args { Symlink = link }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "READLINK", path);
        return Encoding.UTF8.GetString(result.Resok.Data.Span);
    }

    /// <summary>Walks <paramref name="components"/> from the root, reusing cached directory handles.</summary>
    private async Task<NfsFh3> ResolveDirectoryAsync(string[] components, CancellationToken cancellationToken)
    {
        var directory = Root;
        string walked = ExportPath!.TrimEnd('/');
        foreach (string component in components)
        {
            walked += "/" + component;
            if (_directories.TryGetValue(walked, out var cached))
            {
                directory = cached;
                continue;
            }
            var found = await LookupAsync(directory, component, walked, cancellationToken).ConfigureAwait(false);
            if (!found.IsDirectory)
                throw new NfsException(Nfsstat3.Nfs3errNotdir, "LOOKUP", walked);
            _directories[walked] = found.Handle;
            directory = found.Handle;
        }
        return directory;
    }

    /// <summary>Drops cached handles of <paramref name="path"/> and everything below it (after REMOVE, RMDIR, RENAME).</summary>
    public void Forget(string path)
    {
        foreach (string key in _directories.Keys.Where(key => IsWithin(key, path)).ToList())
            _directories.Remove(key);
    }

    /// <summary>FSINFO of the export (RFC 1813 §3.3.19), asked once: the transfer sizes reads and writes use.</summary>
    public async Task<Fsinfo3Resok> GetFsInfoAsync(CancellationToken cancellationToken)
    {
        if (_fsinfo is { } known)
            return known;
        var result = await Nfs.FsinfoAsync(new Fsinfo3Args { Fsroot = Root }, cancellationToken).ConfigureAwait(false);
        NfsException.ThrowIfFailed(result.Status, "FSINFO", ExportPath ?? "/");
        _fsinfo = result.Resok;
        return result.Resok;
    }

    /// <summary>UMNT (best effort, so the server's advisory mount list stays right), then closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (ExportPath is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await Mount.UmntAsync(Encoding.UTF8.GetBytes(ExportPath), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RpcException or IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                // Advisory only (RFC 1813 §5.2.3); nothing to do about it.
            }
        }
        if (_mountTransport is not null)
            await _mountTransport.DisposeAsync().ConfigureAwait(false);
        foreach (var transport in _extraTransports)
            await transport.DisposeAsync().ConfigureAwait(false);
        await _nfsTransport.DisposeAsync().ConfigureAwait(false);
    }
}
