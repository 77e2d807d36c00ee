namespace DittoFs.Storage;

/// <summary>
/// The clock stores stamp mtime/ctime with. Every reading is strictly later than the one before, so two
/// changes within one tick of the system clock still get different ctimes and clients (which detect
/// changes by comparing mtime/ctime, RFC 1813 §4.6) never miss one.
/// </summary>
public sealed class FileClock(TimeProvider timeProvider)
{
    private long _lastNanoseconds;

    public FileClock() : this(TimeProvider.System)
    {
    }

    public FileTime Now()
    {
        long wall = (timeProvider.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        while (true)
        {
            long last = Volatile.Read(ref _lastNanoseconds);
            long next = wall > last ? wall : last + 1;
            if (Interlocked.CompareExchange(ref _lastNanoseconds, next, last) == last)
            {
                return FileTime.FromUnixNanoseconds(next);
            }
        }
    }
}
