namespace DittoFs.Storage.Memory;

/// <summary>
/// Where the chunks of <see cref="ChunkedContent"/> come from and go back to. A chunk is sized to the data it holds:
/// its capacity is one of a few size classes from <see cref="MinCapacity"/> to <see cref="ChunkedContent.ChunkSize"/>,
/// each at most 1.5 times the one below, so a chunk never holds more than 1.5 times the bytes it needs (above the
/// smallest class) and a chunk that grows is copied a bounded number of times (<see cref="CapacityFor"/>).
/// <para>
/// Freed chunks (deleted or truncated content) are kept per class, up to a bound in bytes, for the next writes:
/// memory the process already has, so writing after a delete costs no page faults, no zeroing and no garbage. Beyond
/// the bound, freed chunks are left to the GC. That alone gives nothing back: a server that went idle after a removal
/// allocates nothing that would make the GC run, and a plain full collection (server GC, measured on .NET 10) keeps
/// the emptied regions committed. So once the bytes dropped since the last collection reach the pool's bound and an
/// eighth of the bytes chunks still hold (the collection's pause grows with the live heap, so it is paid only for a
/// share of it given back), the pool waits for the drops to stop (<see cref="QuietDelay"/> without one, or at most
/// <see cref="MaxDelay"/>) and asks for one aggressive collection, which compacts and decommits what is free: a
/// removal of many files costs one collection when it ends, not one per chunk.
/// </para>
/// <para>
/// New chunks are allocated uninitialised (every writer clears what it does not overwrite) on the pinned object heap,
/// which the GC never compacts: content that lives long is not copied from generation to generation, and lent chunks
/// are sent from where they lie.
/// </para>
/// </summary>
internal sealed class ChunkPool
{
    /// <summary>The smallest capacity a chunk has.</summary>
    public const int MinCapacity = 512;

    /// <summary>How long no chunk must have been dropped before a collection is asked for.</summary>
    internal static readonly TimeSpan QuietDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long at most after a collection became due it is asked for, even while chunks keep being dropped.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    // 512 B, 768 B, 1 KiB, 1.5 KiB, ... 32 KiB, 48 KiB, 64 KiB: powers of two and the halfway points between them.
    private static readonly int[] Capacities = MakeCapacities();

    private readonly Stack<Chunk>[] _free;
    private readonly Lock _gate = new();
    private readonly long _maxFreeBytes;
    private readonly long _collectAfterBytes;
    private readonly Func<long> _heldBytes;
    private long _freeBytes;
    private int _freeCount;
    private long _droppedBytes;
    private long _drops;
    private int _collecting;
    private long _collections;

    /// <param name="maxFreeBytes">Bytes of freed chunks kept for reuse; beyond them, freed chunks are left to the GC.</param>
    /// <param name="heldBytes">The bytes chunks hold in content right now (the store's count).</param>
    public ChunkPool(long maxFreeBytes, Func<long> heldBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeBytes);
        ArgumentNullException.ThrowIfNull(heldBytes);
        _maxFreeBytes = maxFreeBytes;
        _heldBytes = heldBytes;
        _collectAfterBytes = Math.Max(maxFreeBytes, ChunkedContent.ChunkSize);
        _free = new Stack<Chunk>[Capacities.Length];
        for (int i = 0; i < _free.Length; i++)
        {
            _free[i] = new Stack<Chunk>();
        }
    }

    /// <summary>Freed chunks held right now.</summary>
    public int FreeCount => Volatile.Read(ref _freeCount);

    /// <summary>Bytes of freed chunks held right now, never more than the bound.</summary>
    public long FreeBytes => Volatile.Read(ref _freeBytes);

    /// <summary>Collections asked for so far, after chunks were left to the GC.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>The capacity of a chunk that holds <paramref name="bytes"/> (1 to <see cref="ChunkedContent.ChunkSize"/>): the smallest class not below it.</summary>
    public static int CapacityFor(int bytes) => Capacities[ClassOf(bytes)];

    /// <summary>A chunk of <paramref name="capacity"/> bytes (one of the classes, <see cref="CapacityFor"/>) whose contents are undefined, held once (by its content).</summary>
    public Chunk Rent(int capacity)
    {
        int sizeClass = ClassOf(capacity);
        if (Capacities[sizeClass] != capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Not a chunk capacity.");
        }
        lock (_gate)
        {
            if (_free[sizeClass].TryPop(out var chunk))
            {
                _freeBytes -= capacity;
                _freeCount--;
                chunk.Revive();
                return chunk;
            }
        }
        return new Chunk(this, capacity);
    }

    /// <summary>Takes back a chunk nobody holds any more (see <see cref="Chunk.Release"/>): kept within the bound, left to the GC beyond it.</summary>
    internal void Return(Chunk chunk)
    {
        int capacity = chunk.Capacity;
        lock (_gate)
        {
            if (_freeBytes + capacity <= _maxFreeBytes)
            {
                _free[ClassOf(capacity)].Push(chunk);
                _freeBytes += capacity;
                _freeCount++;
                return;
            }
        }
        Interlocked.Increment(ref _drops);
        if (Interlocked.Add(ref _droppedBytes, capacity) is var dropped && dropped >= _collectAfterBytes && dropped >= _heldBytes() / 8)
        {
            CollectWhenQuiet();
        }
    }

    private void CollectWhenQuiet()
    {
        if (Interlocked.CompareExchange(ref _collecting, 1, 0) == 0)
        {
            _ = CollectWhenQuietAsync();
        }
    }

    /// <summary>
    /// Waits until no chunk was dropped for <see cref="QuietDelay"/> (or <see cref="MaxDelay"/> passed), then asks for
    /// one aggressive collection (blocking and compacting: the only kind that gives emptied regions back).
    /// </summary>
    private async Task CollectWhenQuietAsync()
    {
        var waited = TimeSpan.Zero;
        long drops;
        do
        {
            drops = Interlocked.Read(ref _drops);
            await Task.Delay(QuietDelay).ConfigureAwait(false);
            waited += QuietDelay;
        }
        while (Interlocked.Read(ref _drops) != drops && waited < MaxDelay);
        Interlocked.Exchange(ref _droppedBytes, 0);
        Interlocked.Increment(ref _collections);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Volatile.Write(ref _collecting, 0);
        // Drops that came during the collection found it still scheduled.
        long dropped = Interlocked.Read(ref _droppedBytes);
        if (dropped >= _collectAfterBytes && dropped >= _heldBytes() / 8)
        {
            CollectWhenQuiet();
        }
    }

    private static int ClassOf(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, ChunkedContent.ChunkSize);
        int index = Array.BinarySearch(Capacities, bytes);
        return index >= 0 ? index : ~index;
    }

    private static int[] MakeCapacities()
    {
        var capacities = new List<int>();
        for (int size = MinCapacity; size < ChunkedContent.ChunkSize; size *= 2)
        {
            capacities.Add(size);
            capacities.Add(size + size / 2);
        }
        capacities.Add(ChunkedContent.ChunkSize);
        return [.. capacities];
    }
}

/// <summary>
/// One chunk of content and a count of its holders: the content that maps it, and each READ reply it is lent to
/// until that reply has been sent. It goes back to the pool only when the last holder lets go, so a lent chunk is
/// never reused for other content, and while it is lent its content writes to a copy instead (see
/// <see cref="ChunkedContent"/>), so a lent chunk never changes.
/// </summary>
internal sealed class Chunk(ChunkPool pool, int capacity)
{
    private int _holders = 1;

    /// <summary>The chunk's bytes: <see cref="Capacity"/> of them, the first bytes of its place in the content.</summary>
    public byte[] Bytes { get; } = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);

    public int Capacity => Bytes.Length;

    /// <summary>Whether some reply holds the chunk besides its content.</summary>
    public bool IsLent => Volatile.Read(ref _holders) > 1;

    /// <summary>One more holder; only while the content's lock is held, so no writer sees the chunk unlent meanwhile.</summary>
    public void Lend() => Interlocked.Increment(ref _holders);

    /// <summary>A holder lets go; the last one returns the chunk to its pool.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left == 0)
        {
            pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A chunk was released more often than it was held.");
        }
    }

    internal void Revive() => Volatile.Write(ref _holders, 1);
}
