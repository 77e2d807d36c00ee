using System.Buffers.Binary;
using DittoFs.Nfs;
using DittoFs.Protocol;

namespace DittoFs.Server.Metrics;

/// <summary>
/// The few fixed-position fields metrics read straight from NFSv3 messages (RFC 1813 §3.3), so the NFS service needs
/// no hooks: the share a call's first file handle routes to, the nfsstat3 every reply but NULL's starts with, and
/// the byte count of READ and WRITE replies. Reads only; anything unexpected reads as "unknown", never throws.
/// </summary>
internal static class NfsWire
{
    /// <summary>XDR size of fattr3: type, mode, nlink, uid, gid (5 words), size, used, rdev, fsid, fileid and three times (8 x 8 bytes).</summary>
    private const int Fattr3Size = 84;

    /// <summary>XDR size of wcc_attr: size, mtime, ctime.</summary>
    private const int WccAttrSize = 24;

    /// <summary>The share id in the nfs_fh3 that every NFSv3 call except NULL starts with, if it is one of our handles.</summary>
    public static bool TryReadShareId(ReadOnlySpan<byte> arguments, out uint shareId)
    {
        shareId = 0;
        if (arguments.Length < 4 + FileHandle.Size || BinaryPrimitives.ReadUInt32BigEndian(arguments) != FileHandle.Size)
            return false;
        var status = FileHandle.TryParse(arguments.Slice(4, FileHandle.Size), out var handle);
        if (status == Nfsstat3.Nfs3errBadhandle)
            return false;
        shareId = handle.ShareId;
        return true;
    }

    /// <summary>The nfsstat3 a result starts with.</summary>
    public static bool TryReadStatus(ReadOnlySpan<byte> result, out uint status)
    {
        status = 0;
        if (result.Length < 4)
            return false;
        status = BinaryPrimitives.ReadUInt32BigEndian(result);
        return true;
    }

    /// <summary>READ3resok: status, post_op_attr file_attributes, count (the data follows).</summary>
    public static long ReadReplyCount(ReadOnlySpan<byte> result)
    {
        int at = SkipPostOpAttr(result, 4);
        return WordAt(result, at);
    }

    /// <summary>WRITE3resok: status, wcc_data file_wcc (pre_op_attr, post_op_attr), count.</summary>
    public static long WriteReplyCount(ReadOnlySpan<byte> result)
    {
        int at = SkipPreOpAttr(result, 4);
        at = SkipPostOpAttr(result, at);
        return WordAt(result, at);
    }

    private static int SkipPreOpAttr(ReadOnlySpan<byte> result, int at) => WordAt(result, at) switch
    {
        0 => at + 4,
        1 => at + 4 + WccAttrSize,
        _ => -1,
    };

    private static int SkipPostOpAttr(ReadOnlySpan<byte> result, int at) => WordAt(result, at) switch
    {
        0 => at + 4,
        1 => at + 4 + Fattr3Size,
        _ => -1,
    };

    /// <summary>The 32-bit word at <paramref name="at"/>, or -1 when it lies outside the result.</summary>
    private static long WordAt(ReadOnlySpan<byte> result, int at) =>
        at >= 0 && at <= result.Length - 4 ? BinaryPrimitives.ReadUInt32BigEndian(result[at..]) : -1;
}
