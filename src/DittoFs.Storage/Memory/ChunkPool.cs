namespace DittoFs.Storage.Memory;

/// <summary>
/// Where the chunks of <see cref="ChunkedContent"/> come from and go back to. A chunk is sized to the data it holds:
/// its capacity is one of a few size classes from <see cref="MinCapacity"/> to <see cref="ChunkedContent.ChunkSize"/>,
/// each at most 1.5 times the one below, so a chunk never holds more than 1.5 times the bytes it needs (above the
/// smallest class) and a chunk that grows is copied a bounded number of times (<see cref="CapacityFor"/>).
/// <para>
/// Freed chunks (deleted or truncated content) are kept per class, up to a bound in bytes, for the next writes:
/// memory the process already has, so writing after a delete costs no page faults, no zeroing and no garbage. Beyond
/// the bound, freed chunks are left to the GC; and since nothing else makes the GC run on a server that went idle after
/// a removal, once enough bytes were left to it a collection is asked for shortly after (at most one a second, only
/// while chunks keep being dropped), so what was freed goes back to the system instead of staying resident.
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

    /// <summary>How long after bytes were first left to the GC it is asked to collect them (and, while more are, between collections).</summary>
    internal static readonly TimeSpan CollectDelay = TimeSpan.FromSeconds(1);

    // 512 B, 768 B, 1 KiB, 1.5 KiB, ... 32 KiB, 48 KiB, 64 KiB: powers of two and the halfway points between them.
    private static readonly int[] Capacities = MakeCapacities();

    private readonly Stack<Chunk>[] _free;
    private readonly Lock _gate = new();
    private readonly long _maxFreeBytes;
    private readonly long _collectAfterBytes;
    private long _freeBytes;
    private int _freeCount;
    private long _droppedBytes;
    private int _collecting;
    private long _collections;

    /// <param name="maxFreeBytes">Bytes of freed chunks kept for reuse; beyond them, freed chunks are left to the GC.</param>
    public ChunkPool(long maxFreeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFreeBytes);
        _maxFreeBytes = maxFreeBytes;
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
        if (Interlocked.Add(ref _droppedBytes, capacity) >= _collectAfterBytes)
        {
            CollectSoon();
        }
    }

    private void CollectSoon()
    {
        if (Interlocked.CompareExchange(ref _collecting, 1, 0) == 0)
        {
            _ = CollectAsync();
        }
    }

    /// <summary>
    /// Asks for a collection <see cref="CollectDelay"/> from now, and again after each further delay while chunks kept
    /// being dropped meanwhile: a removal of many files costs a collection a second, not one per dropped chunk, and
    /// its last chunks are collected too.
    /// </summary>
    private async Task CollectAsync()
    {
        do
        {
            await Task.Delay(CollectDelay).ConfigureAwait(false);
            Interlocked.Exchange(ref _droppedBytes, 0);
            Interlocked.Increment(ref _collections);
            // Background (non-blocking) where the GC is concurrent: requests go on being served meanwhile.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
        }
        while (Interlocked.Read(ref _droppedBytes) > 0);
        Volatile.Write(ref _collecting, 0);
        // A drop that came between the last check and the reset found a collection still scheduled.
        if (Interlocked.Read(ref _droppedBytes) >= _collectAfterBytes)
        {
            CollectSoon();
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
