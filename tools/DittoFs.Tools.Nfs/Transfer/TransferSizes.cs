using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Transfer;

/// <summary>READ and WRITE sizes from FSINFO (RFC 1813 §3.3.19): the server's preferred size, within its maximum.</summary>
internal static class TransferSizes
{
    /// <summary>Used when FSINFO gives no preference (0).</summary>
    public const int Fallback = 64 * 1024;

    /// <summary>Our own ceiling: a reply must fit the RPC client's record limit (4 MiB) with room to spare.</summary>
    public const int Ceiling = 2 * 1024 * 1024;

    public static int Read(in Fsinfo3Resok info) => Choose(info.Rtpref, info.Rtmax);

    public static int Write(in Fsinfo3Resok info) => Choose(info.Wtpref, info.Wtmax);

    private static int Choose(uint preferred, uint maximum)
    {
        long size = preferred > 0 ? preferred : Fallback;
        if (maximum > 0)
            size = Math.Min(size, maximum);
        return (int)Math.Clamp(size, 512, Ceiling);
    }
}
