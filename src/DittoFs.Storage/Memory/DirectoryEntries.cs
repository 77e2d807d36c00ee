namespace DittoFs.Storage.Memory;

/// <summary>
/// The entries of one directory, found by name and listed in cookie order. Each entry's cookie is the next
/// number of a per-directory sequence, so a cookie keeps its place while its entry exists, and "entries after
/// cookie c" stays well defined after c's entry is removed: a listing neither skips nor repeats survivors.
/// Not thread-safe: the owning inode's lock guards it.
/// </summary>
internal sealed class DirectoryEntries
{
    private readonly Dictionary<byte[], Entry> _byName = new(ByteNameComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _byNameSpan;
    // Ascending cookies. A removed entry leaves its slot (Entry == null) until compaction, so positions found by
    // binary search stay cheap to maintain.
    private readonly List<Slot> _byCookie = [];
    private int _emptySlots;
    private ulong _nextCookie = DirectoryCookie.FirstEntry;

    public DirectoryEntries()
    {
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _byName.Count;

    /// <summary>The highest cookie handed out so far (below <see cref="DirectoryCookie.FirstEntry"/> when none was).</summary>
    public ulong LastCookie => _nextCookie - 1;

    public Inode? Find(ReadOnlySpan<byte> name) => _byNameSpan.TryGetValue(name, out var entry) ? entry.Inode : null;

    public void Add(byte[] name, Inode inode)
    {
        var entry = new Entry(name, inode, _nextCookie++);
        _byName.Add(name, entry);
        _byCookie.Add(new Slot(entry.Cookie, entry));
    }

    public bool Remove(ReadOnlySpan<byte> name)
    {
        if (!_byNameSpan.Remove(name, out _, out var entry))
        {
            return false;
        }
        int index = IndexOfFirstAfter(entry.Cookie - 1);
        _byCookie[index] = new Slot(entry.Cookie, null);
        _emptySlots++;
        if (_emptySlots > 32 && _emptySlots > _byCookie.Count / 2)
        {
            _byCookie.RemoveAll(slot => slot.Entry is null);
            _emptySlots = 0;
        }
        return true;
    }

    /// <summary>
    /// Copies the entries with a cookie above <paramref name="afterCookie"/>, in cookie order, until a buffer is
    /// full; returns how many, and whether no entry is left after them.
    /// </summary>
    public int CopyAfter(ulong afterCookie, Span<DirectoryEntry> entries, Span<Inode?> inodes, out bool endOfDirectory)
    {
        int count = 0;
        int index = IndexOfFirstAfter(afterCookie);
        for (; index < _byCookie.Count && count < entries.Length; index++)
        {
            if (_byCookie[index].Entry is { } entry)
            {
                entries[count] = new DirectoryEntry(entry.Name, entry.Cookie, default);
                inodes[count] = entry.Inode;
                count++;
            }
        }
        while (index < _byCookie.Count && _byCookie[index].Entry is null)
        {
            index++;
        }
        endOfDirectory = index == _byCookie.Count;
        return count;
    }

    private int IndexOfFirstAfter(ulong cookie)
    {
        int low = 0;
        int high = _byCookie.Count;
        while (low < high)
        {
            int middle = low + (high - low) / 2;
            if (_byCookie[middle].Cookie <= cookie)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private sealed record Entry(byte[] Name, Inode Inode, ulong Cookie);

    private readonly record struct Slot(ulong Cookie, Entry? Entry);
}
