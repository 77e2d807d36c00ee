namespace DittoFs.Storage.Memory;

/// <summary>
/// The bytes of one file as chunks keyed by chunk index (the first in a field, the others in a dictionary), each the
/// place of <see cref="ChunkSize"/> bytes of the content: a chunk exists only where something was written, so holes
/// (and a write at a 5 GiB offset) cost nothing and read as zeros. A chunk holds only the first bytes of its place, up
/// to the last one written there, in the smallest of the pool's capacities that fits them
/// (<see cref="ChunkPool.CapacityFor"/>), and grows into a larger one (a copy) when a write goes further: a file of
/// 4 KiB costs a chunk of 4 KiB, not 64 KiB. What lies beyond a chunk's capacity reads as zeros.
/// Readers and lenders share the lock, writers and truncation take it alone. A chunk lent to a READ reply
/// (<see cref="Lend"/>) is never changed: a write or truncation that would change it copies it first and maps the
/// copy instead, so the reply sends the bytes as they were when lent.
/// </summary>
internal sealed class ChunkedContent
{
    public const int ChunkSize = 64 * 1024;

    // Lent for holes; never written.
    private static readonly byte[] Zeros = GC.AllocateArray<byte>(ChunkSize, pinned: true);

    // The chunk at index 0 in a field of its own, the others in a dictionary made for the first of them: most files
    // are small, and a dictionary (about 200 bytes with its arrays) would cost a 4 KiB file 5 % more.
    private Chunk? _first;
    private Dictionary<ulong, Chunk>? _rest;
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private ulong _length;

    /// <summary>Set, under the write lock, when the content is deleted: a writer holding this object must start over.</summary>
    public bool IsDeleted { get; private set; }

    public int Read(ulong offset, Span<byte> destination)
    {
        _gate.EnterReadLock();
        try
        {
            if (offset >= _length)
            {
                return 0;
            }
            int count = (int)Math.Min((ulong)destination.Length, _length - offset);
            var remaining = destination[..count];
            while (!remaining.IsEmpty)
            {
                ulong index = offset / ChunkSize;
                int within = (int)(offset % ChunkSize);
                int piece = Math.Min(remaining.Length, ChunkSize - within);
                int held = 0;
                if (TryGet(index, out var chunk) && chunk.Capacity > within)
                {
                    held = Math.Min(piece, chunk.Capacity - within);
                    chunk.Bytes.AsSpan(within, held).CopyTo(remaining);
                }
                remaining[held..piece].Clear();
                remaining = remaining[piece..];
                offset += (ulong)piece;
            }
            return count;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// Lends up to <paramref name="count"/> bytes from <paramref name="offset"/> to <paramref name="borrower"/>: the
    /// chunks themselves, each held by <paramref name="loan"/> until it is returned, and zeros for holes. Returns the
    /// bytes lent, fewer than asked only at the end.
    /// </summary>
    public int Lend(ulong offset, int count, IContentBorrower borrower, ChunkLoan loan)
    {
        _gate.EnterReadLock();
        try
        {
            if (offset >= _length)
            {
                return 0;
            }
            count = (int)Math.Min((ulong)count, _length - offset);
            int remaining = count;
            while (remaining > 0)
            {
                ulong index = offset / ChunkSize;
                int within = (int)(offset % ChunkSize);
                int piece = Math.Min(remaining, ChunkSize - within);
                int held = 0;
                if (TryGet(index, out var chunk) && chunk.Capacity > within)
                {
                    held = Math.Min(piece, chunk.Capacity - within);
                    loan.Hold(chunk);
                    borrower.Borrow(chunk.Bytes.AsMemory(within, held));
                }
                if (held < piece)
                {
                    borrower.Borrow(Zeros.AsMemory(0, piece - held));
                }
                remaining -= piece;
                offset += (ulong)piece;
            }
            return count;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>. New chunks, and what chunks grow by, are reserved
    /// from the store's space before anything is written, so a NoSpc write changes nothing. False when the content was
    /// deleted meanwhile.
    /// </summary>
    public bool TryWrite(ulong offset, ReadOnlySpan<byte> data, MemoryContentStore space, out StoreStatus status)
    {
        _gate.EnterWriteLock();
        try
        {
            status = StoreStatus.Ok;
            if (IsDeleted)
            {
                return false;
            }
            ulong first = offset / ChunkSize;
            ulong last = (offset + (ulong)data.Length - 1) / ChunkSize;
            long growth = 0;
            for (ulong index = first; index <= last; index++)
            {
                // Every chunk but the last is written to its end.
                int end = index == last ? (int)((offset + (ulong)data.Length - 1) % ChunkSize) + 1 : ChunkSize;
                int needed = ChunkPool.CapacityFor(end);
                int held = TryGet(index, out var chunk) ? chunk.Capacity : 0;
                growth += Math.Max(needed - held, 0);
            }
            if (!space.TryReserve(growth))
            {
                status = StoreStatus.NoSpc;
                return true;
            }
            while (!data.IsEmpty)
            {
                ulong index = offset / ChunkSize;
                int within = (int)(offset % ChunkSize);
                int piece = Math.Min(data.Length, ChunkSize - within);
                int end = within + piece;
                if (!TryGet(index, out var chunk))
                {
                    // A pooled chunk holds old bytes: what this write does not cover must read as zeros.
                    chunk = space.Chunks.Rent(ChunkPool.CapacityFor(end));
                    chunk.Bytes.AsSpan(0, within).Clear();
                    chunk.Bytes.AsSpan(end).Clear();
                    Map(index, chunk);
                }
                else if (chunk.Capacity < end || chunk.IsLent)
                {
                    chunk = Replace(index, chunk, Math.Max(chunk.Capacity, ChunkPool.CapacityFor(end)), space);
                }
                data[..piece].CopyTo(chunk.Bytes.AsSpan(within));
                data = data[piece..];
                offset += (ulong)piece;
            }
            _length = Math.Max(_length, offset);
            return true;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// Sets the length; chunks past it are freed and the tail of the last one zeroed, so growing again reads zeros.
    /// The last one moves to a smaller capacity when it would then hold less than half of its bytes.
    /// </summary>
    public bool TryTruncate(ulong size, MemoryContentStore space)
    {
        _gate.EnterWriteLock();
        try
        {
            if (IsDeleted)
            {
                return false;
            }
            if (size < _length)
            {
                ulong firstWhole = (size + ChunkSize - 1) / ChunkSize;
                FreeChunksFrom(firstWhole, space);
                int within = (int)(size % ChunkSize);
                if (within != 0 && TryGet(size / ChunkSize, out var partial) && partial.Capacity > within)
                {
                    int needed = ChunkPool.CapacityFor(within);
                    if (needed <= partial.Capacity / 2 || partial.IsLent)
                    {
                        int capacity = needed <= partial.Capacity / 2 ? needed : partial.Capacity;
                        space.Release(partial.Capacity - capacity);
                        partial = Replace(size / ChunkSize, partial, capacity, space);
                    }
                    partial.Bytes.AsSpan(within).Clear();
                }
            }
            _length = size;
            return true;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    public void Delete(MemoryContentStore space)
    {
        _gate.EnterWriteLock();
        try
        {
            IsDeleted = true;
            FreeChunksFrom(0, space);
            _length = 0;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// Maps a copy of <paramref name="chunk"/> of <paramref name="capacity"/> bytes in its place (under the write lock):
    /// to grow or shrink it, or because it is lent, and lets go of the original, which its readers keep. What the copy
    /// holds beyond the original reads as zeros. The caller accounts for a change of capacity; a copy of the same one
    /// is not counted against the store's space: a lent original's memory comes back when sent.
    /// </summary>
    private Chunk Replace(ulong index, Chunk chunk, int capacity, MemoryContentStore space)
    {
        var copy = space.Chunks.Rent(capacity);
        int kept = Math.Min(chunk.Capacity, capacity);
        chunk.Bytes.AsSpan(0, kept).CopyTo(copy.Bytes);
        copy.Bytes.AsSpan(kept).Clear();
        Map(index, copy);
        chunk.Release();
        return copy;
    }

    private bool TryGet(ulong index, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Chunk? chunk)
    {
        if (index == 0)
        {
            chunk = _first;
            return chunk is not null;
        }
        chunk = null;
        return _rest is { } rest && rest.TryGetValue(index, out chunk);
    }

    /// <summary>Maps <paramref name="chunk"/> at <paramref name="index"/>, in place of what was there.</summary>
    private void Map(ulong index, Chunk chunk)
    {
        if (index == 0)
        {
            _first = chunk;
        }
        else
        {
            (_rest ??= [])[index] = chunk;
        }
    }

    private void FreeChunksFrom(ulong firstIndex, MemoryContentStore space)
    {
        // Under the write lock, so no reader is copying from a chunk; a reply one is lent to keeps it out of the pool
        // until sent.
        long freed = 0;
        if (firstIndex == 0 && _first is { } first)
        {
            _first = null;
            freed += first.Capacity;
            first.Release();
        }
        if (_rest is { } rest)
        {
            foreach (var (index, chunk) in rest)
            {
                if (index >= firstIndex)
                {
                    rest.Remove(index);
                    freed += chunk.Capacity;
                    chunk.Release();
                }
            }
        }
        space.Release(freed);
    }
}
