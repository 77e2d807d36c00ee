namespace DittoFs.Storage;

/// <summary>A point in time as seconds and nanoseconds since the Unix epoch (nfstime3, RFC 1813 §2.5).</summary>
public readonly record struct FileTime(long Seconds, uint Nanoseconds) : IComparable<FileTime>
{
    public const uint NanosecondsPerSecond = 1_000_000_000;

    /// <summary>False for a client-supplied time whose nanoseconds reach a whole second.</summary>
    public bool IsValid => Nanoseconds < NanosecondsPerSecond;

    public static FileTime FromUnixNanoseconds(long nanoseconds)
    {
        long seconds = Math.DivRem(nanoseconds, NanosecondsPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += NanosecondsPerSecond;
        }
        return new FileTime(seconds, (uint)rest);
    }

    public static FileTime FromDateTimeOffset(DateTimeOffset time) =>
        FromUnixNanoseconds((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100);

    public int CompareTo(FileTime other) =>
        Seconds != other.Seconds ? Seconds.CompareTo(other.Seconds) : Nanoseconds.CompareTo(other.Nanoseconds);

    public static bool operator <(FileTime left, FileTime right) => left.CompareTo(right) < 0;
    public static bool operator >(FileTime left, FileTime right) => left.CompareTo(right) > 0;
    public static bool operator <=(FileTime left, FileTime right) => left.CompareTo(right) <= 0;
    public static bool operator >=(FileTime left, FileTime right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}
