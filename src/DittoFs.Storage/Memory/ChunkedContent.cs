namespace DittoFs.Storage.Memory;

/// <summary>
/// The bytes of one file as fixed-size chunks in a dictionary keyed by chunk index: a chunk exists only where
/// something was written, so holes (and a write at a 5 GiB offset) cost nothing and read as zeros.
/// Readers share the lock, writers and truncation take it alone.
/// </summary>
internal sealed class ChunkedContent
{
    public const int ChunkSize = 64 * 1024;

    private readonly Dictionary<ulong, byte[]> _chunks = [];
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
                if (_chunks.TryGetValue(index, out var chunk))
                {
                    chunk.AsSpan(within, piece).CopyTo(remaining);
                }
                else
                {
                    remaining[..piece].Clear();
                }
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
    /// Writes <paramref name="data"/> at <paramref name="offset"/>. New chunks are reserved from the store's space
    /// before anything is written, so a NoSpc write changes nothing. False when the content was deleted meanwhile.
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
            long missing = 0;
            for (ulong index = first; index <= last; index++)
            {
                missing += _chunks.ContainsKey(index) ? 0 : 1;
            }
            if (!space.TryReserve(missing * ChunkSize))
            {
                status = StoreStatus.NoSpc;
                return true;
            }
            while (!data.IsEmpty)
            {
                ulong index = offset / ChunkSize;
                int within = (int)(offset % ChunkSize);
                int piece = Math.Min(data.Length, ChunkSize - within);
                if (!_chunks.TryGetValue(index, out var chunk))
                {
                    // A pooled chunk holds old bytes: what this write does not cover must read as zeros.
                    chunk = space.Chunks.Rent();
                    chunk.AsSpan(0, within).Clear();
                    chunk.AsSpan(within + piece).Clear();
                    _chunks.Add(index, chunk);
                }
                data[..piece].CopyTo(chunk.AsSpan(within));
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

    /// <summary>Sets the length; chunks past it are freed and the tail of the last one zeroed, so growing again reads zeros.</summary>
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
                if (within != 0 && _chunks.TryGetValue(size / ChunkSize, out var partial))
                {
                    partial.AsSpan(within).Clear();
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

    private void FreeChunksFrom(ulong firstIndex, MemoryContentStore space)
    {
        long freed = 0;
        foreach (var (index, chunk) in _chunks)
        {
            if (index >= firstIndex)
            {
                // Under the write lock: no reader is copying from the chunk while it goes back to the pool.
                _chunks.Remove(index);
                space.Chunks.Return(chunk);
                freed += ChunkSize;
            }
        }
        space.Release(freed);
    }
}
