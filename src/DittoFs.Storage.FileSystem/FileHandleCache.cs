using Microsoft.Win32.SafeHandles;

namespace DittoFs.Storage.FileSystem;

/// <summary>
/// Open handles of recently used content files, at most <c>capacity</c>, least recently used closed first, so a
/// stream of READs and WRITEs to one file does not open and close it per call. Callers hold a
/// <see cref="Lease"/> while they use a handle: a handle forgotten meanwhile is closed when its last lease ends,
/// never under a running read or write, and a leased handle is never evicted, so every handle in use is one the
/// cache knows (<see cref="Forget"/> relies on it). Thread-safe; the lock covers only the bookkeeping.
/// </summary>
internal sealed class FileHandleCache(int capacity) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ContentId, Entry> _entries = [];
    // Most recently used first.
    private readonly LinkedList<Entry> _recency = [];

    /// <summary>A lease on the cached handle of <paramref name="content"/>, if there is one.</summary>
    public bool TryRent(ContentId content, out Lease lease)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(content, out var entry))
            {
                lease = RentLocked(entry);
                return true;
            }
        }
        lease = default;
        return false;
    }

    /// <summary>
    /// Caches a handle the caller just opened and leases it; when another caller cached one for the same content
    /// first, that one is leased and <paramref name="handle"/> closed.
    /// </summary>
    public Lease AddAndRent(ContentId content, SafeFileHandle handle)
    {
        List<Entry>? evicted = null;
        Lease lease;
        lock (_gate)
        {
            if (_entries.TryGetValue(content, out var existing))
            {
                lease = RentLocked(existing);
            }
            else
            {
                var entry = new Entry(content, handle);
                entry.Node = _recency.AddFirst(entry);
                _entries.Add(content, entry);
                lease = RentLocked(entry);
                // Back to capacity if the handles of unleased entries allow it (see LeastRecentlyUsedUnleasedLocked).
                while (_entries.Count > capacity && LeastRecentlyUsedUnleasedLocked() is { } unleased)
                {
                    DetachLocked(unleased);
                    (evicted ??= []).Add(unleased);
                }
            }
        }
        if (lease.Handle != handle)
        {
            handle.Dispose();
        }
        if (evicted is not null)
        {
            foreach (var entry in evicted)
            {
                CloseIfUnused(entry);
            }
        }
        return lease;
    }

    /// <summary>
    /// Drops the handle of deleted content (closed once no lease holds it); true when no lease held it, so nobody
    /// can still be reading or writing the file through this cache.
    /// </summary>
    public bool Forget(ContentId content)
    {
        Entry? entry;
        bool unused;
        lock (_gate)
        {
            if (!_entries.TryGetValue(content, out entry))
            {
                return true;
            }
            DetachLocked(entry);
            unused = entry.Leases == 0;
        }
        CloseIfUnused(entry);
        return unused;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Detached = true;
                entry.Closed = true;
                entry.Handle.Dispose();
            }
            _entries.Clear();
            _recency.Clear();
        }
    }

    private Lease RentLocked(Entry entry)
    {
        entry.Leases++;
        _recency.Remove(entry.Node!);
        _recency.AddFirst(entry.Node!);
        return new Lease(this, entry);
    }

    /// <summary>
    /// The entry to evict: the least recently used that no lease holds; none when all are leased, and the cache stays
    /// over capacity until leases end.
    /// </summary>
    private Entry? LeastRecentlyUsedUnleasedLocked()
    {
        for (var node = _recency.Last; node is not null; node = node.Previous)
        {
            if (node.Value.Leases == 0)
            {
                return node.Value;
            }
        }
        return null;
    }

    private void DetachLocked(Entry entry)
    {
        _entries.Remove(entry.Content);
        _recency.Remove(entry.Node!);
        entry.Detached = true;
    }

    private void CloseIfUnused(Entry entry)
    {
        bool close;
        lock (_gate)
        {
            close = entry.Detached && entry.Leases == 0 && !entry.Closed;
            entry.Closed |= close;
        }
        if (close)
        {
            entry.Handle.Dispose();
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Leases--;
        }
        CloseIfUnused(entry);
    }

    internal sealed class Entry(ContentId content, SafeFileHandle handle)
    {
        public ContentId Content { get; } = content;
        public SafeFileHandle Handle { get; } = handle;
        public LinkedListNode<Entry>? Node { get; set; }
        /// <summary>Running users of the handle. Guarded by the cache's lock, as are the flags.</summary>
        public int Leases { get; set; }
        public bool Detached { get; set; }
        public bool Closed { get; set; }
    }

    /// <summary>The right to use a cached handle until disposed.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly FileHandleCache? _cache;
        private readonly Entry? _entry;

        internal Lease(FileHandleCache cache, Entry entry)
        {
            _cache = cache;
            _entry = entry;
        }

        public SafeFileHandle Handle => _entry!.Handle;

        public void Dispose() => _cache?.Release(_entry!);
    }
}
