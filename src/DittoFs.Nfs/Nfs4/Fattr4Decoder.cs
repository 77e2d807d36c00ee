using System.Globalization;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;
using Attr = DittoFs.Protocol.Nfs4ProtConstants;

namespace DittoFs.Nfs;

/// <summary>
/// Reads an fattr4 a client sent (RFC 7530 §5, RFC 8881 §5): the values of its bitmap's attributes in bit order, each
/// by the XDR type the RFC's attribute table gives it, and nothing after the last. For SETATTR and CREATE,
/// <see cref="DecodeSettable"/> turns them into the store's <see cref="SetAttributes"/>; for VERIFY and NVERIFY,
/// <see cref="Compare"/> checks them against an object's current values. The order of the checks is the same for
/// both: the bitmap first (a bit this server does not serve is NFS4ERR_ATTRNOTSUPP, a bit the operation may not use
/// NFS4ERR_INVAL), then the values (an attrlist shorter or longer than its bitmap says is NFS4ERR_BADXDR).
/// </summary>
internal static class Fattr4Decoder
{
    /// <summary>
    /// The attributes SETATTR and CREATE may set here: the POSIX ones. The RFC's other settable attributes (acl,
    /// archive, hidden, mimetype, system, time_backup, time_create) are not served, so they are NFS4ERR_ATTRNOTSUPP.
    /// </summary>
    private static readonly int[] Settable = [Attr.Fattr4Size, Attr.Fattr4Mode, Attr.Fattr4Owner, Attr.Fattr4OwnerGroup, Attr.Fattr4TimeAccessSet, Attr.Fattr4TimeModifySet];

    /// <summary>
    /// Attributes that can be set but never read (RFC 7530 §5.5, RFC 8881 §5.5): asking for them in GETATTR, VERIFY or
    /// NVERIFY is NFS4ERR_INVAL.
    /// </summary>
    public static readonly uint[] SetOnlyMask = MaskOf([Attr.Fattr4TimeAccessSet, Attr.Fattr4TimeModifySet]);

    /// <summary>The XDR types of the RFC's attribute table, for the attributes this server serves.</summary>
    private enum Shape { UInt32, UInt64, Bool, Bitmap, Opaque, Fsid, Time, Specdata, SetTime }

    private static readonly Dictionary<int, Shape> Shapes = new()
    {
        [Attr.Fattr4SupportedAttrs] = Shape.Bitmap, [Attr.Fattr4Type] = Shape.UInt32, [Attr.Fattr4FhExpireType] = Shape.UInt32,
        [Attr.Fattr4Change] = Shape.UInt64, [Attr.Fattr4Size] = Shape.UInt64, [Attr.Fattr4LinkSupport] = Shape.Bool,
        [Attr.Fattr4SymlinkSupport] = Shape.Bool, [Attr.Fattr4NamedAttr] = Shape.Bool, [Attr.Fattr4Fsid] = Shape.Fsid,
        [Attr.Fattr4UniqueHandles] = Shape.Bool, [Attr.Fattr4LeaseTime] = Shape.UInt32, [Attr.Fattr4RdattrError] = Shape.UInt32,
        [Attr.Fattr4Aclsupport] = Shape.UInt32, [Attr.Fattr4Cansettime] = Shape.Bool, [Attr.Fattr4CaseInsensitive] = Shape.Bool,
        [Attr.Fattr4CasePreserving] = Shape.Bool, [Attr.Fattr4ChownRestricted] = Shape.Bool, [Attr.Fattr4Filehandle] = Shape.Opaque,
        [Attr.Fattr4Fileid] = Shape.UInt64, [Attr.Fattr4Homogeneous] = Shape.Bool, [Attr.Fattr4Maxfilesize] = Shape.UInt64,
        [Attr.Fattr4Maxlink] = Shape.UInt32, [Attr.Fattr4Maxname] = Shape.UInt32, [Attr.Fattr4Maxread] = Shape.UInt64,
        [Attr.Fattr4Maxwrite] = Shape.UInt64, [Attr.Fattr4Mode] = Shape.UInt32, [Attr.Fattr4NoTrunc] = Shape.Bool,
        [Attr.Fattr4Numlinks] = Shape.UInt32, [Attr.Fattr4Owner] = Shape.Opaque, [Attr.Fattr4OwnerGroup] = Shape.Opaque,
        [Attr.Fattr4Rawdev] = Shape.Specdata, [Attr.Fattr4SpaceUsed] = Shape.UInt64, [Attr.Fattr4TimeAccess] = Shape.Time,
        [Attr.Fattr4TimeAccessSet] = Shape.SetTime, [Attr.Fattr4TimeDelta] = Shape.Time, [Attr.Fattr4TimeMetadata] = Shape.Time,
        [Attr.Fattr4TimeModify] = Shape.Time, [Attr.Fattr4TimeModifySet] = Shape.SetTime, [Attr.Fattr4MountedOnFileid] = Shape.UInt64,
        [Attr.Fattr4SuppattrExclcreat] = Shape.Bitmap,
        [Attr.Fattr4FilesAvail] = Shape.UInt64, [Attr.Fattr4FilesFree] = Shape.UInt64, [Attr.Fattr4FilesTotal] = Shape.UInt64,
        [Attr.Fattr4SpaceAvail] = Shape.UInt64, [Attr.Fattr4SpaceFree] = Shape.UInt64, [Attr.Fattr4SpaceTotal] = Shape.UInt64,
    };

    /// <summary>
    /// The bits of a request's bitmap in order: NFS4ERR_ATTRNOTSUPP for one this server does not serve in the minor
    /// version, NFS4ERR_INVAL for one served but not taken by the operation (<paramref name="taken"/>).
    /// </summary>
    private static Nfsstat4 CheckMask(uint[] mask, uint minorVersion, Func<int, bool> taken)
    {
        var supported = Fattr4Encoder.SupportedMask(minorVersion);
        for (int attribute = 0; attribute < mask.Length * 32; attribute++)
        {
            if (!Fattr4Encoder.IsSet(mask, attribute))
                continue;
            if (!Fattr4Encoder.IsSet(supported, attribute))
                return Nfsstat4.Nfs4errAttrnotsupp;
            if (!taken(attribute))
                return Nfsstat4.Nfs4errInval;
        }
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>
    /// The changes <paramref name="attributes"/> asks for (SETATTR's obj_attributes, CREATE's createattrs), and the
    /// bitmap of exactly those attributes (the reply's attrsset). NFS4ERR_ATTRNOTSUPP for an attribute not served,
    /// NFS4ERR_INVAL for one that is served but cannot be set (RFC 7530 §5.5) or a time with nseconds past
    /// 999,999,999 (nfstime4, RFC 7530 §2.2), NFS4ERR_BADOWNER for an owner or group that is not a number (RFC 7530 §5.9),
    /// NFS4ERR_BADXDR for an attrlist that does not hold exactly the bitmap's values.
    /// </summary>
    public static Nfsstat4 DecodeSettable(in Fattr4 attributes, uint minorVersion, out SetAttributes changes, out uint[] attributesSet)
    {
        changes = SetAttributes.None;
        attributesSet = [];
        var mask = Trimmed(attributes.Attrmask.ToArray());
        var refused = CheckMask(mask, minorVersion, attribute => Array.IndexOf(Settable, attribute) >= 0);
        if (refused != Nfsstat4.Nfs4Ok)
            return refused;

        var reader = new XdrReader(attributes.AttrVals.Value);
        var status = Nfsstat4.Nfs4Ok;
        var result = SetAttributes.None;
        // Every value is read even after one is refused, so that an attrlist that does not match its bitmap is
        // NFS4ERR_BADXDR whatever it holds; a short one shows as a reader error even when a value check failed on the
        // zeros read past its end.
        for (int attribute = 0; attribute < mask.Length * 32 && !reader.HasError; attribute++)
        {
            if (!Fattr4Encoder.IsSet(mask, attribute))
                continue;
            var valueStatus = Nfsstat4.Nfs4Ok;
            switch (attribute)
            {
                case Attr.Fattr4Size: result = result with { Size = reader.ReadUInt64() }; break;
                case Attr.Fattr4Mode: result = result with { Mode = reader.ReadUInt32() }; break;
                case Attr.Fattr4Owner:
                    valueStatus = ParseId(reader.ReadOpaque(uint.MaxValue).Span, out uint uid);
                    result = result with { Uid = uid };
                    break;
                case Attr.Fattr4OwnerGroup:
                    valueStatus = ParseId(reader.ReadOpaque(uint.MaxValue).Span, out uint gid);
                    result = result with { Gid = gid };
                    break;
                case Attr.Fattr4TimeAccessSet:
                    valueStatus = ReadSetTime(ref reader, out var accessTime);
                    result = result with { AccessTime = accessTime };
                    break;
                case Attr.Fattr4TimeModifySet:
                    valueStatus = ReadSetTime(ref reader, out var modifyTime);
                    result = result with { ModifyTime = modifyTime };
                    break;
            }
            if (status == Nfsstat4.Nfs4Ok)
                status = valueStatus;
        }
        if (reader.HasError || reader.Remaining != 0)
            return Nfsstat4.Nfs4errBadxdr;
        if (status != Nfsstat4.Nfs4Ok)
            return status;
        changes = result;
        attributesSet = mask;
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>
    /// VERIFY and NVERIFY (RFC 7530 §16.35, §16.15): whether every attribute <paramref name="given"/> holds has the
    /// value <paramref name="current"/> (the same attributes, as <see cref="Fattr4Encoder"/> encodes them for the
    /// object) has. Values are compared as encoded, but owners and groups by the number they name, so "0" and
    /// "0@domain" are one owner. NFS4ERR_ATTRNOTSUPP for an attribute not served; NFS4ERR_INVAL for rdattr_error or a
    /// set-only attribute (RFC 7530 §16.35.5); NFS4ERR_BADXDR for an attrlist that does not hold exactly the bitmap's
    /// values.
    /// </summary>
    public static Nfsstat4 Compare(in Fattr4 given, uint minorVersion, Func<uint[], Fattr4> current, out bool same)
    {
        same = false;
        var mask = Trimmed(given.Attrmask.ToArray());
        var refused = CheckMask(mask, minorVersion, attribute => attribute != Attr.Fattr4RdattrError && !Fattr4Encoder.IsSet(SetOnlyMask, attribute));
        if (refused != Nfsstat4.Nfs4Ok)
            return refused;
        var ours = current(mask);
        var theirs = new XdrReader(given.AttrVals.Value);
        var values = new XdrReader(ours.AttrVals.Value);
        bool equal = true;
        for (int attribute = 0; attribute < mask.Length * 32 && !theirs.HasError; attribute++)
        {
            if (!Fattr4Encoder.IsSet(mask, attribute))
                continue;
            var shape = Shapes[attribute];
            var client = ReadValue(ref theirs, shape);
            var server = ReadValue(ref values, shape);
            if (theirs.HasError)
                break; // the client's attrlist ended inside this value: BADXDR below, and nothing to compare (an owner would be cut short)
            if (!equal)
                continue; // still read on, so a malformed attrlist is BADXDR whatever it says
            equal = attribute is Attr.Fattr4Owner or Attr.Fattr4OwnerGroup
                ? ParseId(OpaqueContent(client.Span), out uint asked) == Nfsstat4.Nfs4Ok && ParseId(OpaqueContent(server.Span), out uint actual) == Nfsstat4.Nfs4Ok
                    && asked == actual
                : client.Span.SequenceEqual(server.Span);
        }
        if (theirs.HasError || theirs.Remaining != 0)
            return Nfsstat4.Nfs4errBadxdr;
        same = equal;
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>
    /// An owner or owner_group (RFC 7530 §5.9): "number" or "number@domain", the number being the uid or gid (as this
    /// server answers them, and as Linux clients send them when they have no id mapping). The domain is not checked:
    /// ids are the client's and the server's alike under AUTH_SYS. Names are NFS4ERR_BADOWNER: there is no id mapping.
    /// </summary>
    public static Nfsstat4 ParseId(ReadOnlySpan<byte> owner, out uint id)
    {
        id = 0;
        int at = owner.IndexOf((byte)'@');
        var number = at < 0 ? owner : owner[..at];
        if (at >= 0 && at == owner.Length - 1)
            return Nfsstat4.Nfs4errBadowner;
        if (number.IsEmpty || number.Length > 10)
            return Nfsstat4.Nfs4errBadowner;
        foreach (byte digit in number)
        {
            if (digit is < (byte)'0' or > (byte)'9')
                return Nfsstat4.Nfs4errBadowner;
        }
        if (!uint.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out id))
            return Nfsstat4.Nfs4errBadowner;
        return Nfsstat4.Nfs4Ok;
    }

    /// <summary>
    /// settime4 (RFC 7530 §2.2): SET_TO_SERVER_TIME4, or SET_TO_CLIENT_TIME4 and an nfstime4. Another discriminant is
    /// not XDR of the union (NFS4ERR_BADXDR); nseconds past 999,999,999 is NFS4ERR_INVAL.
    /// </summary>
    private static Nfsstat4 ReadSetTime(ref XdrReader reader, out TimeChange change)
    {
        change = TimeChange.Unchanged;
        switch ((TimeHow4)reader.ReadUInt32())
        {
            case TimeHow4.SetToServerTime4:
                change = TimeChange.ServerTime;
                return Nfsstat4.Nfs4Ok;
            case TimeHow4.SetToClientTime4:
                var time = new FileTime(reader.ReadInt64(), reader.ReadUInt32());
                if (!time.IsValid)
                    return Nfsstat4.Nfs4errInval;
                change = TimeChange.ToClientTime(time);
                return Nfsstat4.Nfs4Ok;
            default:
                reader.Fail(XdrError.UnknownDiscriminant);
                return Nfsstat4.Nfs4errBadxdr;
        }
    }

    /// <summary>The encoded bytes of one value of <paramref name="shape"/>, as a slice of the attrlist.</summary>
    private static ReadOnlyMemory<byte> ReadValue(ref XdrReader reader, Shape shape)
    {
        int start = reader.Position;
        switch (shape)
        {
            case Shape.UInt32: case Shape.Bool: reader.ReadUInt32(); break;
            case Shape.UInt64: reader.ReadUInt64(); break;
            case Shape.Fsid: reader.ReadUInt64(); reader.ReadUInt64(); break;
            case Shape.Time: reader.ReadInt64(); reader.ReadUInt32(); break;
            case Shape.Specdata: reader.ReadUInt32(); reader.ReadUInt32(); break;
            case Shape.Opaque: reader.ReadOpaque(uint.MaxValue); break;
            case Shape.Bitmap:
                int count = reader.ReadArrayCount(uint.MaxValue);
                for (int i = 0; i < count; i++)
                    reader.ReadUInt32();
                break;
            case Shape.SetTime:
                if (reader.ReadUInt32() == (uint)TimeHow4.SetToClientTime4)
                {
                    reader.ReadInt64();
                    reader.ReadUInt32();
                }
                break;
        }
        return reader.HasError ? default : reader.SliceFrom(start);
    }

    /// <summary>The bytes of an encoded opaque <see cref="ReadValue"/> read: after its length, before its padding.</summary>
    private static ReadOnlySpan<byte> OpaqueContent(ReadOnlySpan<byte> encoded) =>
        encoded.Slice(4, (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(encoded));

    /// <summary>The mask without trailing zero words, so that a client's padding of its bitmap changes nothing.</summary>
    private static uint[] Trimmed(uint[] mask)
    {
        int length = mask.Length;
        while (length > 0 && mask[length - 1] == 0)
            length--;
        return length == mask.Length ? mask : mask[..length];
    }

    private static uint[] MaskOf(int[] attributes)
    {
        var mask = new uint[attributes.Max() / 32 + 1];
        foreach (int attribute in attributes)
            mask[attribute / 32] |= 1u << (attribute % 32);
        return mask;
    }
}
