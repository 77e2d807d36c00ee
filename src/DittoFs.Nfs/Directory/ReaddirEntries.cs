using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// The entries of a READDIR reply. RFC 1813 §3.3.16: <c>count</c> is the maximum size of the READDIR3resok
/// structure including all XDR overhead, so the size is tracked with the generated SizeOf: the reply without
/// entries (directory attributes, cookie verifier, end-of-list marker, eof), plus for each entry its list link
/// (4 bytes) and <see cref="Entry3.SizeOf"/>.
/// </summary>
internal struct ReaddirEntries : IDirectorySink
{
    /// <summary>Smallest encoded entry: link, fileid, a name of up to 4 bytes, cookie.</summary>
    private const int SmallestEntry = 4 + 8 + 8 + 8;

    private readonly CallScratch _scratch;
    private readonly int _limit;
    private Entry3[] _entries;
    private int _size;

    public ReaddirEntries(CallScratch scratch, int limit)
    {
        _scratch = scratch;
        _limit = limit;
        _entries = [];
    }

    public int Count { get; private set; }

    public readonly bool Fits => _size <= _limit;

    public readonly int SuggestedBatchSize => Math.Clamp((_limit - _size) / SmallestEntry + 1, 1, 512);

    public readonly XdrList<Entry3, Entry3> Entries => new(_entries, Count);

    public void Begin(in PostOpAttr directory) =>
        _size = Readdir3Resok.SizeOf(new Readdir3Resok
        {
            DirAttributes = directory,
            Cookieverf = DirectoryListing.NoVerifier,
            Reply = new Dirlist3 { Entries = Array.Empty<Entry3>() },
        });

    public bool TryAdd(in DirectoryEntry entry)
    {
        var wire = new Entry3 { Fileid = WireAttributes.FileIdOf(entry.Attributes), Name = entry.Name, Cookie = entry.Cookie };
        int size = 4 + Entry3.SizeOf(wire);
        if (_size + size > _limit)
        {
            return false;
        }
        if (Count == _entries.Length)
        {
            _entries = Count == 0 ? _scratch.Entries<Entry3>(64) : _scratch.GrowEntries(_entries, Count);
        }
        _entries[Count++] = wire;
        _size += size;
        return true;
    }
}
