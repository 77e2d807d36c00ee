using System.Buffers.Binary;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// The file handle DittoFs hands out (nfs_fh3, RFC 1813 §2.5: opaque, at most NFS3_FHSIZE = 64 bytes). Fixed at
/// <see cref="Size"/> bytes, big-endian:
/// <c>[0]</c> format version, <c>[1..3]</c> zero, <c>[4..7]</c> share id, <c>[8..15]</c> file id,
/// <c>[16..23]</c> generation.
/// The share id routes a handle to its share without a lookup; file id and generation name the file in that
/// share's metadata store, which answers Stale for a removed file or another generation. Nothing in a handle is
/// trusted: export checks run on every call, whatever the handle says (a handle is not a key).
/// </summary>
public readonly record struct FileHandle(uint ShareId, ulong FileId, ulong Generation)
{
    /// <summary>The only format this server writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Encoded length in bytes (a multiple of 4, so XDR adds no padding).</summary>
    public const int Size = 24;

    public FileHandle(uint shareId, FileRef file) : this(shareId, file.FileId, file.Generation)
    {
    }

    /// <summary>
    /// Decodes a handle a client sent. NFS3ERR_BADHANDLE for anything this server cannot have written (wrong length,
    /// unknown version, non-zero reserved bytes, file id 0, which is never handed out); NFS3ERR_STALE for a
    /// well-formed handle whose generation no store can have (stores' generations are 32-bit today).
    /// </summary>
    public static Nfsstat3 TryParse(ReadOnlySpan<byte> bytes, out FileHandle handle)
    {
        handle = default;
        if (bytes.Length != Size || bytes[0] != FormatVersion || bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 0)
        {
            return Nfsstat3.Nfs3errBadhandle;
        }
        handle = new FileHandle(
            BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]));
        if (handle.FileId == 0)
        {
            return Nfsstat3.Nfs3errBadhandle;
        }
        return handle.Generation > uint.MaxValue ? Nfsstat3.Nfs3errStale : Nfsstat3.Nfs3Ok;
    }

    /// <summary>The store's name of the file; only meaningful for a handle <see cref="TryParse"/> accepted.</summary>
    public FileRef File => new(FileId, (uint)Generation);

    /// <summary>The encoded handle, as the value nfs_fh3 and fhandle3 hold (inline: nothing to keep alive or return).</summary>
    public InlineOpaque<InlineBytes64> ToOpaque()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return new InlineOpaque<InlineBytes64>(bytes);
    }

    private void WriteTo(Span<byte> destination)
    {
        destination[0] = FormatVersion;
        destination[1..4].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ShareId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], FileId);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], Generation);
    }

    public override string ToString() => $"{ShareId:x8}:{FileId}.{Generation}";
}
