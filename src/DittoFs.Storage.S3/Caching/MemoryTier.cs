namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// Whole blocks in memory, least recently used dropped first once their buffers pass <c>capacity</c> bytes. An
/// entry is counted by its buffer's size (a block size), not the object's, since that is what it holds on to.
/// </summary>
internal sealed class MemoryTier(long capacity, CacheStatistics statistics)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CachedBlock Block)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CachedBlock Block)> _recency = new(); // most recent first
    private long _bytes;

    public bool Enabled => capacity > 0;

    public CachedBlock? Find(string key)
    {
        lock (_sync)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Block;
        }
    }

    /// <summary>Whether <paramref name="key"/> is held, without making it recently used.</summary>
    public bool Contains(string key)
    {
        lock (_sync)
        {
            return _entries.ContainsKey(key);
        }
    }

    public void Add(string key, CachedBlock block)
    {
        if (block.Bytes.Length > capacity)
        {
            return;
        }
        lock (_sync)
        {
            RemoveLocked(key);
            _entries[key] = _recency.AddFirst((key, block));
            _bytes += block.Bytes.Length;
            while (_bytes > capacity && _recency.Last is { } oldest)
            {
                RemoveLocked(oldest.Value.Key);
                Interlocked.Increment(ref statistics.MemoryEvictionCount);
            }
            Volatile.Write(ref statistics.MemoryByteCount, _bytes);
        }
    }

    public void Remove(string key)
    {
        lock (_sync)
        {
            RemoveLocked(key);
            Volatile.Write(ref statistics.MemoryByteCount, _bytes);
        }
    }

    private void RemoveLocked(string key)
    {
        if (_entries.Remove(key, out var node))
        {
            _recency.Remove(node);
            _bytes -= node.Value.Block.Bytes.Length;
        }
    }
}
