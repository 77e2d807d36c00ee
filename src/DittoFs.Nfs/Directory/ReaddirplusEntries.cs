using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// The entries of a READDIRPLUS reply, each with attributes and handle. RFC 1813 §3.3.17 gives two limits:
/// <c>maxcount</c>, the maximum size of the READDIRPLUS3resok structure with all XDR overhead (tracked with the
/// generated SizeOf as for READDIR), and <c>dircount</c>, the bytes of "directory information" excluding
/// attributes and handles. DittoFs counts for dircount each entry's fileid, name and cookie as encoded (exactly
/// <see cref="Entry3.SizeOf"/>), without list links.
/// </summary>
internal struct ReaddirplusEntries : IDirectorySink
{
    /// <summary>Smallest encoded entry: link, fileid, short name, cookie, attributes, handle.</summary>
    private const int SmallestEntry = 4 + 8 + 8 + 8 + 88 + 8 + FileHandle.Size;

    private readonly CallTarget _target;
    private readonly CallScratch _scratch;
    private readonly int _maxCount;
    private readonly int _dirCount;
    private Entryplus3[] _entries;
    private int _size;
    private int _directoryInformation;

    public ReaddirplusEntries(CallTarget target, CallScratch scratch, int maxCount, int dirCount)
    {
        _target = target;
        _scratch = scratch;
        _maxCount = maxCount;
        _dirCount = dirCount;
        _entries = [];
    }

    public int Count { get; private set; }

    public readonly bool Fits => _size <= _maxCount;

    public readonly int SuggestedBatchSize => Math.Clamp((_maxCount - _size) / SmallestEntry + 1, 1, 512);

    public readonly XdrList<Entryplus3, Entryplus3> Entries => new(_entries, Count);

    public void Begin(in PostOpAttr directory) =>
        _size = Readdirplus3Resok.SizeOf(new Readdirplus3Resok
        {
            DirAttributes = directory,
            Cookieverf = DirectoryListing.NoVerifier,
            Reply = new Dirlistplus3 { Entries = Array.Empty<Entryplus3>() },
        });

    public bool TryAdd(in DirectoryEntry entry)
    {
        int information = Entry3.SizeOf(new Entry3 { Fileid = WireAttributes.FileIdOf(entry.Attributes), Name = entry.Name, Cookie = entry.Cookie });
        if (_directoryInformation + information > _dirCount)
        {
            return false;
        }
        var wire = new Entryplus3
        {
            Fileid = WireAttributes.FileIdOf(entry.Attributes),
            Name = entry.Name,
            Cookie = entry.Cookie,
            NameAttributes = _target.PostOp(entry.Attributes),
            NameHandle = _target.PostOpHandle(entry.Attributes.Ref),
        };
        int size = 4 + Entryplus3.SizeOf(wire);
        if (_size + size > _maxCount)
        {
            return false;
        }
        if (Count == _entries.Length)
        {
            _entries = Count == 0 ? _scratch.Entries<Entryplus3>(32) : _scratch.GrowEntries(_entries, Count);
        }
        _entries[Count++] = wire;
        _size += size;
        _directoryInformation += information;
        return true;
    }
}
