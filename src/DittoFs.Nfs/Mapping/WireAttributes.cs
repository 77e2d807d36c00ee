using DittoFs.Protocol;
using DittoFs.Storage;
using StoreWcc = DittoFs.Storage.WccData;
using WireWcc = DittoFs.Protocol.WccData;

namespace DittoFs.Nfs;

/// <summary>
/// Attributes between the stores' model and the wire: fattr3, post_op_attr, wcc_data and sattr3 (RFC 1813 §2.5-2.6).
/// The one place each of these conversions happens.
/// </summary>
internal static class WireAttributes
{
    /// <summary>fattr3 of an object of the share with fsid <paramref name="fsid"/> (the share id: one file system per share).</summary>
    public static Fattr3 ToFattr3(in InodeAttributes attributes, uint fsid) => new()
    {
        Type = (Ftype3)(int)attributes.Type,
        Mode = attributes.Mode & ModeBits.All,
        Nlink = attributes.LinkCount,
        Uid = attributes.Uid,
        Gid = attributes.Gid,
        Size = attributes.Size,
        Used = attributes.Used,
        Rdev = new Specdata3 { Specdata1 = attributes.Device.Major, Specdata2 = attributes.Device.Minor },
        Fsid = fsid,
        Fileid = FileIdOf(attributes),
        Atime = ToNfstime3(attributes.AccessTime),
        Mtime = ToNfstime3(attributes.ModifyTime),
        Ctime = ToNfstime3(attributes.ChangeTime),
    };

    /// <summary>
    /// The fileid sent for an object. Stores never hand out 0 (it has crashed macOS clients); one that does is
    /// broken, and the call fails (SYSTEM_ERR from the RPC layer) rather than put 0 on the wire.
    /// </summary>
    public static ulong FileIdOf(in InodeAttributes attributes) =>
        attributes.FileId != 0 ? attributes.FileId : throw new InvalidOperationException("A store gave an object file id 0, which is never sent to clients.");

    /// <summary>post_op_attr: the attributes when known. A default value (file id 0, never handed out) means unknown.</summary>
    public static PostOpAttr ToPostOpAttr(in InodeAttributes attributes, uint fsid) =>
        attributes.FileId == 0 ? default : new PostOpAttr { AttributesFollow = true, Attributes = ToFattr3(attributes, fsid) };

    public static PostOpAttr ToPostOpAttr(in InodeAttributes? attributes, uint fsid) =>
        attributes is { } known ? ToPostOpAttr(known, fsid) : default;

    public static WireWcc ToWccData(in StoreWcc wcc, uint fsid) => new()
    {
        Before = wcc.Before is { } before
            ? new PreOpAttr
            {
                AttributesFollow = true,
                Attributes = new WccAttr { Size = before.Size, Mtime = ToNfstime3(before.ModifyTime), Ctime = ToNfstime3(before.ChangeTime) },
            }
            : default,
        After = ToPostOpAttr(wcc.After, fsid),
    };

    /// <summary>nfstime3 has unsigned 32-bit seconds: times before 1970 or after 2106 are clamped.</summary>
    public static Nfstime3 ToNfstime3(FileTime time) => new()
    {
        Seconds = (uint)Math.Clamp(time.Seconds, 0, uint.MaxValue),
        Nseconds = time.Nanoseconds,
    };

    public static FileTime ToFileTime(in Nfstime3 time) => new(time.Seconds, time.Nseconds);

    /// <summary>
    /// sattr3 as the stores take it. Mode is passed as sent: the stores ignore bits outside 07777 (file-type bits
    /// that macOS Finder sends).
    /// </summary>
    public static SetAttributes ToSetAttributes(in Sattr3 attributes) => new()
    {
        Mode = attributes.Mode.SetIt ? attributes.Mode.Mode : null,
        Uid = attributes.Uid.SetIt ? attributes.Uid.Uid : null,
        Gid = attributes.Gid.SetIt ? attributes.Gid.Gid : null,
        Size = attributes.Size.SetIt ? attributes.Size.Size : null,
        AccessTime = ToTimeChange(attributes.Atime.SetIt, attributes.Atime.Atime),
        ModifyTime = ToTimeChange(attributes.Mtime.SetIt, attributes.Mtime.Mtime),
    };

    private static TimeChange ToTimeChange(TimeHow how, in Nfstime3 time) => how switch
    {
        TimeHow.SetToServerTime => TimeChange.ServerTime,
        TimeHow.SetToClientTime => TimeChange.ToClientTime(ToFileTime(time)),
        _ => TimeChange.Unchanged,
    };
}
