using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>The one place a store's status becomes an nfsstat3 (RFC 1813 §2.6).</summary>
internal static class NfsStatus
{
    /// <summary>
    /// <see cref="StoreStatus"/> values are nfsstat3 codes by design, so this is a cast; a value the protocol does
    /// not define (a store bug) becomes NFS3ERR_SERVERFAULT rather than an undecodable reply.
    /// </summary>
    public static Nfsstat3 From(StoreStatus status)
    {
        var nfs = (Nfsstat3)(int)status;
        return Nfsstat3Codec.IsDefined(nfs) ? nfs : Nfsstat3.Nfs3errServerfault;
    }
}
