namespace DittoFs.Storage;

/// <summary>The RPC credential flavour a caller used (RFC 5531 §8.2, RFC 5531 appendix A).</summary>
public enum AuthFlavor
{
    /// <summary>AUTH_NONE: no identity; the NFS layer maps it to the share's anonymous uid/gid.</summary>
    None = 0,
    /// <summary>AUTH_SYS (AUTH_UNIX): uid, gid and up to 16 supplementary gids.</summary>
    Sys = 1,
}
