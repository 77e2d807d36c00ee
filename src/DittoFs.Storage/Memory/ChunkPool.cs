namespace DittoFs.Storage.Memory;

/// <summary>
/// Where the chunks of <see cref="ChunkedContent"/> come from and go back to. Freed chunks (deleted or truncated
/// content) are kept, up to a bound, for the next writes: memory the process already has, so writing after a
/// delete costs no page faults, no zeroing and no garbage. New chunks are allocated uninitialised (every writer
/// clears what it does not overwrite) on the pinned object heap, which the GC never compacts: content that lives
/// long is not copied from generation to generation.
/// </summary>
internal sealed class ChunkPool
{
    private readonly Chunk[] _free;
    private readonly Lock _gate = new();
    private int _count;

    /// <param name="maxFreeBytes">Bytes of freed chunks kept for reuse; beyond them, freed chunks are left to the GC.</param>
    public ChunkPool(ulong maxFreeBytes)
    {
        _free = new Chunk[(int)Math.Min(maxFreeBytes / ChunkedContent.ChunkSize, int.MaxValue / 2)];
    }

    /// <summary>Freed chunks held right now.</summary>
    public int FreeCount => Volatile.Read(ref _count);

    /// <summary>A chunk of <see cref="ChunkedContent.ChunkSize"/> bytes whose contents are undefined, held once (by its content).</summary>
    public Chunk Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                var chunk = _free[--_count];
                _free[_count] = null!;
                chunk.Revive();
                return chunk;
            }
        }
        return new Chunk(this);
    }

    /// <summary>Takes back a chunk nobody holds any more (see <see cref="Chunk.Release"/>).</summary>
    internal void Return(Chunk chunk)
    {
        lock (_gate)
        {
            if (_count < _free.Length)
            {
                _free[_count++] = chunk;
            }
        }
    }
}

/// <summary>
/// One chunk of content and a count of its holders: the content that maps it, and each READ reply it is lent to
/// until that reply has been sent. It goes back to the pool only when the last holder lets go, so a lent chunk is
/// never reused for other content, and while it is lent its content writes to a copy instead (see
/// <see cref="ChunkedContent"/>), so a lent chunk never changes.
/// </summary>
internal sealed class Chunk(ChunkPool pool)
{
    private int _holders = 1;

    public byte[] Bytes { get; } = GC.AllocateUninitializedArray<byte>(ChunkedContent.ChunkSize, pinned: true);

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
