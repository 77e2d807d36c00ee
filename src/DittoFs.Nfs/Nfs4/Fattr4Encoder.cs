using System.Buffers.Text;
using System.Collections.Concurrent;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs;

/// <summary>
/// What the attributes of one object are made of: its inode, what the protocol adds around it, and (when asked for, see
/// <see cref="Fattr4Encoder.AsksFileSystemFigures"/>) the space and file slots of its file system.
/// </summary>
internal readonly record struct Nfs4Object(InodeAttributes Inode, Fsid4 Fsid, InlineOpaque<InlineBytes64> Handle, ulong MountedOnFileId,
    (SpaceStats Space, FileCountStats Files)? FileSystem = null);

/// <summary>
/// fattr4 (RFC 7530 §5, RFC 8881 §5): the attributes a bitmap asks for, those this server supports, encoded in bitmap
/// order into the opaque attrlist4, with the bitmap of exactly the attributes encoded (so the reply's mask and its
/// values always agree, field by field, with no trailing bytes). Unsupported bits asked for are left out of the
/// reply's mask, as GETATTR and READDIR must (NFS4ERR_ATTRNOTSUPP is for SETATTR and VERIFY); so are set-only ones
/// (time_access_set, time_modify_set), which have no value to read (GETATTR refuses them before it gets here).
/// </summary>
internal static class Fattr4Encoder
{
    /// <summary>The attributes served in minor version 0; 4.1 adds suppattr_exclcreat.</summary>
    private static readonly int[] Supported40 =
    [
        Attr.Fattr4SupportedAttrs, Attr.Fattr4Type, Attr.Fattr4FhExpireType, Attr.Fattr4Change, Attr.Fattr4Size, Attr.Fattr4LinkSupport, Attr.Fattr4SymlinkSupport,
        Attr.Fattr4NamedAttr, Attr.Fattr4Fsid, Attr.Fattr4UniqueHandles, Attr.Fattr4LeaseTime, Attr.Fattr4RdattrError, Attr.Fattr4Aclsupport, Attr.Fattr4Cansettime,
        Attr.Fattr4CaseInsensitive, Attr.Fattr4CasePreserving, Attr.Fattr4ChownRestricted, Attr.Fattr4Filehandle, Attr.Fattr4Fileid, Attr.Fattr4Homogeneous,
        Attr.Fattr4Maxfilesize, Attr.Fattr4Maxlink, Attr.Fattr4Maxname, Attr.Fattr4Maxread, Attr.Fattr4Maxwrite, Attr.Fattr4Mode, Attr.Fattr4NoTrunc, Attr.Fattr4Numlinks,
        Attr.Fattr4Owner, Attr.Fattr4OwnerGroup, Attr.Fattr4Rawdev, Attr.Fattr4SpaceUsed, Attr.Fattr4TimeAccess, Attr.Fattr4TimeDelta, Attr.Fattr4TimeMetadata,
        Attr.Fattr4TimeModify, Attr.Fattr4MountedOnFileid,
        // The file system's figures (what statfs and df show), read from the stores only when asked for.
        Attr.Fattr4FilesAvail, Attr.Fattr4FilesFree, Attr.Fattr4FilesTotal, Attr.Fattr4SpaceAvail, Attr.Fattr4SpaceFree, Attr.Fattr4SpaceTotal,
        // Set-only (RFC 7530 §5.5): SETATTR and CREATE take them, and clients send only what supported_attrs lists.
        Attr.Fattr4TimeAccessSet, Attr.Fattr4TimeModifySet,
    ];

    private static readonly uint[] SupportedMask40 = MaskOf(Supported40);
    private static readonly uint[] SupportedMask41 = MaskOf([.. Supported40, Attr.Fattr4SuppattrExclcreat]);

    /// <summary>Attributes an EXCLUSIVE4_1 create may set along with the verifier (RFC 8881 §5.8.3.1): mode, owners, times but not time_access/modify.</summary>
    private static readonly uint[] ExclusiveCreateMask = MaskOf([Attr.Fattr4Mode, Attr.Fattr4Owner, Attr.Fattr4OwnerGroup]);

    private static readonly uint[] FileSystemFiguresMask = MaskOf([Attr.Fattr4FilesAvail, Attr.Fattr4FilesFree, Attr.Fattr4FilesTotal,
        Attr.Fattr4SpaceAvail, Attr.Fattr4SpaceFree, Attr.Fattr4SpaceTotal]);

    /// <summary>Whether <paramref name="requested"/> asks for any of the file system's figures (files_*, space_avail/free/total).</summary>
    public static bool AsksFileSystemFigures(ReadOnlySpan<uint> requested)
    {
        for (int i = 0; i < Math.Min(requested.Length, FileSystemFiguresMask.Length); i++)
            if ((requested[i] & FileSystemFiguresMask[i]) != 0)
                return true;
        return false;
    }

    /// <summary>The supported_attrs of a minor version.</summary>
    public static uint[] SupportedMask(uint minorVersion) => minorVersion == 0 ? SupportedMask40 : SupportedMask41;

    /// <summary>Whether bit <paramref name="attribute"/> is set in <paramref name="mask"/>.</summary>
    public static bool IsSet(ReadOnlySpan<uint> mask, int attribute) =>
        attribute / 32 < mask.Length && (mask[attribute / 32] & (1u << (attribute % 32))) != 0;

    /// <summary>
    /// The attributes of <paramref name="obj"/> that <paramref name="requested"/> asks for and this server supports in
    /// <paramref name="minorVersion"/>; <paramref name="rdattrError"/> is the value of rdattr_error (READDIR only). The file
    /// system's figures are left out when <paramref name="obj"/> does not carry them (READDIR entries). The values are
    /// carved from the call's <paramref name="scratch"/>, the mask is shared (<see cref="ReplyMask"/>).
    /// </summary>
    public static Fattr4 Encode(ReadOnlySpan<uint> requested, in Nfs4Object obj, uint minorVersion, NfsServerOptions options, CallScratch scratch,
        Nfsstat4 rdattrError = Nfsstat4.Nfs4Ok)
    {
        var supported = SupportedMask(minorVersion);
        var mask = ReplyMask(requested, minorVersion, obj.FileSystem is not null);

        // Every supported attribute together: under 600 bytes (the handle is at most NFS4_FHSIZE, owners are numbers).
        Span<byte> buffer = stackalloc byte[1024];
        var values = new XdrWriter(buffer);
        var inode = obj.Inode;
        for (int attribute = 0; attribute < mask.Length * 32; attribute++)
        {
            if (!IsSet(mask, attribute))
                continue;
            switch (attribute)
            {
                case Attr.Fattr4SupportedAttrs: WriteBitmap(ref values, supported); break;
                case Attr.Fattr4Type: values.WriteUInt32((uint)inode.Type); break; // nfs_ftype4 numbers the types as ftype3 does
                case Attr.Fattr4FhExpireType: values.WriteUInt32(Attr.Fh4Persistent); break;
                case Attr.Fattr4Change: values.WriteUInt64(Change(inode)); break;
                case Attr.Fattr4Size: values.WriteUInt64(inode.Size); break;
                case Attr.Fattr4LinkSupport: values.WriteBool(true); break;
                case Attr.Fattr4SymlinkSupport: values.WriteBool(true); break;
                case Attr.Fattr4NamedAttr: values.WriteBool(false); break;
                case Attr.Fattr4Fsid: values.WriteUInt64(obj.Fsid.Major); values.WriteUInt64(obj.Fsid.Minor); break;
                case Attr.Fattr4UniqueHandles: values.WriteBool(true); break;
                case Attr.Fattr4LeaseTime: values.WriteUInt32((uint)options.LeaseTime.TotalSeconds); break;
                case Attr.Fattr4RdattrError: values.WriteUInt32((uint)rdattrError); break;
                case Attr.Fattr4Aclsupport: values.WriteUInt32(0); break;
                case Attr.Fattr4Cansettime: values.WriteBool(true); break;
                case Attr.Fattr4CaseInsensitive: values.WriteBool(false); break;
                case Attr.Fattr4CasePreserving: values.WriteBool(true); break;
                case Attr.Fattr4ChownRestricted: values.WriteBool(true); break;
                case Attr.Fattr4Filehandle: values.WriteOpaque(obj.Handle.Span, Attr.Nfs4Fhsize); break;
                case Attr.Fattr4Fileid: values.WriteUInt64(inode.FileId); break;
                case Attr.Fattr4Homogeneous: values.WriteBool(true); break;
                case Attr.Fattr4Maxfilesize: values.WriteUInt64(PosixRules.MaxFileSize); break;
                case Attr.Fattr4Maxlink: values.WriteUInt32(PosixRules.MaxLinkCount); break;
                case Attr.Fattr4Maxname: values.WriteUInt32(PosixRules.MaxNameLength); break;
                case Attr.Fattr4Maxread: values.WriteUInt64((ulong)options.MaxTransferSize); break;
                case Attr.Fattr4Maxwrite: values.WriteUInt64((ulong)options.MaxTransferSize); break;
                case Attr.Fattr4Mode: values.WriteUInt32(inode.Mode & ModeBits.All); break;
                case Attr.Fattr4NoTrunc: values.WriteBool(true); break;
                case Attr.Fattr4Numlinks: values.WriteUInt32(inode.LinkCount); break;
                case Attr.Fattr4Owner: WriteId(ref values, inode.Uid); break;
                case Attr.Fattr4OwnerGroup: WriteId(ref values, inode.Gid); break;
                case Attr.Fattr4Rawdev: values.WriteUInt32(inode.Device.Major); values.WriteUInt32(inode.Device.Minor); break;
                case Attr.Fattr4SpaceUsed: values.WriteUInt64(inode.Used); break;
                case Attr.Fattr4TimeAccess: WriteTime(ref values, inode.AccessTime); break;
                case Attr.Fattr4TimeDelta: WriteTime(ref values, new FileTime(0, 1)); break;
                case Attr.Fattr4TimeMetadata: WriteTime(ref values, inode.ChangeTime); break;
                case Attr.Fattr4TimeModify: WriteTime(ref values, inode.ModifyTime); break;
                case Attr.Fattr4MountedOnFileid: values.WriteUInt64(obj.MountedOnFileId != 0 ? obj.MountedOnFileId : inode.FileId); break;
                case Attr.Fattr4SuppattrExclcreat: WriteBitmap(ref values, ExclusiveCreateMask); break;
                case Attr.Fattr4FilesAvail: values.WriteUInt64(obj.FileSystem!.Value.Files.AvailableFiles); break;
                case Attr.Fattr4FilesFree: values.WriteUInt64(obj.FileSystem!.Value.Files.FreeFiles); break;
                case Attr.Fattr4FilesTotal: values.WriteUInt64(obj.FileSystem!.Value.Files.TotalFiles); break;
                case Attr.Fattr4SpaceAvail: values.WriteUInt64(obj.FileSystem!.Value.Space.AvailableBytes); break;
                case Attr.Fattr4SpaceFree: values.WriteUInt64(obj.FileSystem!.Value.Space.FreeBytes); break;
                case Attr.Fattr4SpaceTotal: values.WriteUInt64(obj.FileSystem!.Value.Space.TotalBytes); break;
                default: throw new InvalidOperationException($"Attribute {attribute} is in the supported mask but has no encoder.");
            }
        }
        var encoded = scratch.Bytes(values.Position);
        buffer[..values.Position].CopyTo(encoded.Span);
        return new Fattr4 { Attrmask = mask, AttrVals = (ReadOnlyMemory<byte>)encoded };
    }

    /// <summary>
    /// The mask of a reply to <paramref name="requested"/>: what is asked and supported, less the set-only attributes and,
    /// without <paramref name="withFileSystem"/>, the file system's figures; trailing empty words dropped. Clients ask
    /// the same few masks again and again, so each answer is made once and shared (up to <see cref="MaxCachedMasks"/>
    /// of them, so that a client sending endless different masks cannot grow the cache).
    /// </summary>
    public static uint[] ReplyMask(ReadOnlySpan<uint> requested, uint minorVersion, bool withFileSystem)
    {
        var supported = SupportedMask(minorVersion);
        Span<uint> words = stackalloc uint[MaskWords];
        words.Clear();
        var setOnly = Fattr4Decoder.SetOnlyMask;
        int length = Math.Min(requested.Length, supported.Length);
        for (int i = 0; i < length; i++)
        {
            words[i] = requested[i] & supported[i] & ~(i < setOnly.Length ? setOnly[i] : 0);
            if (!withFileSystem && i < FileSystemFiguresMask.Length)
                words[i] &= ~FileSystemFiguresMask[i];
        }
        while (length > 0 && words[length - 1] == 0)
            length--;
        var key = new MaskKey(words[0], words[1], words[2], length);
        if (CachedMasks.TryGetValue(key, out var mask))
            return mask;
        mask = words[..length].ToArray();
        if (CachedMasks.Count < MaxCachedMasks)
            CachedMasks.TryAdd(key, mask);
        return mask;
    }

    /// <summary>Words of the largest supported mask (suppattr_exclcreat, 75, is in the third).</summary>
    private const int MaskWords = 3;

    private const int MaxCachedMasks = 1024;

    private static readonly ConcurrentDictionary<MaskKey, uint[]> CachedMasks = new();

    private readonly record struct MaskKey(uint Word0, uint Word1, uint Word2, int Length);

    /// <summary>An owner or group as its number in decimal (RFC 7530 §5.9 allows numeric strings), written without a string.</summary>
    private static void WriteId(ref XdrWriter writer, uint id)
    {
        Span<byte> digits = stackalloc byte[10];
        Utf8Formatter.TryFormat(id, digits, out int length);
        writer.WriteOpaque(digits[..length], uint.MaxValue);
    }

    /// <summary>
    /// The change attribute (RFC 7530 §5.8.1.4): the change time in nanoseconds, which every change to the object moves
    /// (stores set ctime on every change, from a clock with nanoseconds).
    /// </summary>
    public static ulong Change(in InodeAttributes inode) => Change(inode.ChangeTime);

    /// <summary>The change attribute of an object whose ctime is <paramref name="changeTime"/> (WCC data keeps only the time).</summary>
    public static ulong Change(FileTime changeTime) =>
        unchecked((ulong)changeTime.Seconds * FileTime.NanosecondsPerSecond + changeTime.Nanoseconds);

    private static uint[] MaskOf(int[] attributes)
    {
        var mask = new uint[attributes.Max() / 32 + 1];
        foreach (int attribute in attributes)
            mask[attribute / 32] |= 1u << (attribute % 32);
        return mask;
    }

    private static void WriteBitmap(ref XdrWriter writer, uint[] mask)
    {
        writer.WriteUInt32((uint)mask.Length);
        foreach (uint word in mask)
            writer.WriteUInt32(word);
    }

    private static void WriteTime(ref XdrWriter writer, FileTime time)
    {
        writer.WriteInt64(time.Seconds);
        writer.WriteUInt32(time.Nanoseconds);
    }
}
