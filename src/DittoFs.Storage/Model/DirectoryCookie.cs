namespace DittoFs.Storage;

/// <summary>
/// The READDIR cookie space. The store never returns "." or ".." and never hands out cookies 1 and 2, so the
/// NFS layer can give them to the "." and ".." entries it adds; reading after 0, 1 or 2 starts with the
/// store's first entry.
/// </summary>
public static class DirectoryCookie
{
    /// <summary>Read from the beginning (RFC 1813 §3.3.16: cookie 0 with a cookie verifier of 0).</summary>
    public const ulong Start = 0;
    public const ulong Dot = 1;
    public const ulong DotDot = 2;
    /// <summary>The lowest cookie a store entry gets.</summary>
    public const ulong FirstEntry = 3;
}
