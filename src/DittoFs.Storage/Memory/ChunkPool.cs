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
    private readonly byte[][] _free;
    private readonly Lock _gate = new();
    private int _count;

    /// <param name="maxFreeBytes">Bytes of freed chunks kept for reuse; beyond them, freed chunks are left to the GC.</param>
    public ChunkPool(ulong maxFreeBytes)
    {
        _free = new byte[(int)Math.Min(maxFreeBytes / ChunkedContent.ChunkSize, int.MaxValue / 2)][];
    }

    /// <summary>Freed chunks held right now.</summary>
    public int FreeCount => Volatile.Read(ref _count);

    /// <summary>A chunk of <see cref="ChunkedContent.ChunkSize"/> bytes whose contents are undefined.</summary>
    public byte[] Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                var chunk = _free[--_count];
                _free[_count] = null!;
                return chunk;
            }
        }
        return GC.AllocateUninitializedArray<byte>(ChunkedContent.ChunkSize, pinned: true);
    }

    public void Return(byte[] chunk)
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
