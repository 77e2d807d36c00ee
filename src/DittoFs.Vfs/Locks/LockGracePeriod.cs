namespace DittoFs.Vfs.Locks;

/// <summary>
/// Whether the server is in the grace period after a restart, when clients reclaim the locks and reservations they
/// held and nothing else is granted, and until when. Driven by the injected clock, so a test moves time instead of
/// sleeping. One instance can serve every share's table: the grace period belongs to the server's restart.
/// </summary>
public sealed class LockGracePeriod
{
    private readonly TimeProvider _clock;

    // UTC ticks of the end; 0 when no grace period was begun. Read without a lock: a single 64-bit value.
    private long _endsAtTicks;

    public LockGracePeriod(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>True while the clock is before the end: only reclaims are granted.</summary>
    public bool IsActive
    {
        get
        {
            var end = Volatile.Read(ref _endsAtTicks);
            return end != 0 && _clock.GetUtcNow().UtcTicks < end;
        }
    }

    /// <summary>When the grace period ends (or ended); null when none was begun.</summary>
    public DateTimeOffset? EndsAt
    {
        get
        {
            var end = Volatile.Read(ref _endsAtTicks);
            return end == 0 ? null : new DateTimeOffset(end, TimeSpan.Zero);
        }
    }

    /// <summary>Begins a grace period that lasts <paramref name="duration"/> from now (NLM and NFSv4 use the lease
    /// time, 90 s by default).</summary>
    public void Begin(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        Volatile.Write(ref _endsAtTicks, (_clock.GetUtcNow() + duration).UtcTicks);
    }

    /// <summary>Ends the grace period now, e.g. once every client that held state reclaimed it (NFSv4.1
    /// RECLAIM_COMPLETE from all of them).</summary>
    public void End()
    {
        if (Volatile.Read(ref _endsAtTicks) != 0)
        {
            Volatile.Write(ref _endsAtTicks, _clock.GetUtcNow().UtcTicks);
        }
    }
}
