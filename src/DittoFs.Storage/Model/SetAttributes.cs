namespace DittoFs.Storage;

/// <summary>
/// Attributes a client asks to change (sattr3, RFC 1813 §2.5); a null or <see cref="TimeChange.Unchanged"/>
/// member is left alone. Also the initial attributes of CREATE, MKDIR, SYMLINK and MKNOD.
/// </summary>
public readonly record struct SetAttributes
{
    /// <summary>New mode; bits outside <see cref="ModeBits.All"/> (file-type bits some clients send) are ignored.</summary>
    public uint? Mode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public ulong? Size { get; init; }
    public TimeChange AccessTime { get; init; }
    public TimeChange ModifyTime { get; init; }

    public static SetAttributes None => default;

    public bool IsEmpty =>
        Mode is null && Uid is null && Gid is null && Size is null
        && AccessTime.Kind == TimeChangeKind.DontChange && ModifyTime.Kind == TimeChangeKind.DontChange;
}
