namespace DittoFs.Vfs.Locks;

/// <summary>The bounds of one lock table: past them a request is answered <see cref="LockStatus.NoResources"/>.</summary>
public sealed record LockTableOptions
{
    /// <summary>Queued blocking requests over all files of the table.</summary>
    public int MaxWaiters { get; init; } = 16_384;

    /// <summary>Held byte ranges over all files and owners. Ranges of one owner merge, so this bounds the
    /// fragmentation one client can cause (locking every other byte), not the number of lockers.</summary>
    public int MaxHeldRanges { get; init; } = 1_000_000;

    /// <summary>Share reservations over all files.</summary>
    public int MaxShareReservations { get; init; } = 1_000_000;
}
