namespace DittoFs.Tools.Nfs.Urls;

/// <summary>The NFS version a URL asks for (its <c>version</c> argument).</summary>
internal enum NfsVersion
{
    /// <summary>NFSv3 with MOUNT (RFC 1813): every command.</summary>
    V3,

    /// <summary>NFSv4.1 (RFC 8881), sessions and COMPOUNDs: bench only.</summary>
    V41,
}
