namespace DittoFs.Storage;

/// <summary>How a SETATTR sets atime or mtime (time_how, RFC 1813 §2.5 set_atime / set_mtime).</summary>
public enum TimeChangeKind
{
    DontChange = 0,
    SetToServerTime = 1,
    SetToClientTime = 2,
}

/// <summary>One time in a <see cref="SetAttributes"/> request.</summary>
public readonly record struct TimeChange(TimeChangeKind Kind, FileTime ClientTime)
{
    public static TimeChange Unchanged => default;
    public static TimeChange ServerTime => new(TimeChangeKind.SetToServerTime, default);
    public static TimeChange ToClientTime(FileTime time) => new(TimeChangeKind.SetToClientTime, time);
}
