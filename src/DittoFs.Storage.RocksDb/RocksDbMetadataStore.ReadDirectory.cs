using DittoFs.Storage.RocksDb.Records;
using RocksDbSharp;

namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    /// <summary>
    /// Reads one page from a snapshot, so the directory, its entries and their attributes are one consistent view:
    /// an iterator seeks to the first entry after the cookie and stops when the page is full, so a listing never
    /// reads more of the directory than it returns.
    /// </summary>
    public ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier, Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default)
    {
        using var snapshot = _db.CreateSnapshot();
        var readOptions = new ReadOptions().SetSnapshot(snapshot);
        var parent = _db.GetInode(directory.FileId, readOptions);
        if (!IsNamedBy(parent, directory))
        {
            return new(StoreStatus.Stale);
        }
        var attributes = parent.Attributes;
        ulong verifier = _identity.CookieVerifierOf(parent.Id);
        var status = parent.IsDirectory ? PosixRules.CheckListDirectory(attributes, auth) : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = CheckCookie(parent, afterCookie, cookieVerifier, verifier);
        }
        if (status != StoreStatus.Ok)
        {
            return new(new StoreResult<DirectoryPage>(status, new DirectoryPage(0, false, verifier, attributes)));
        }
        int count = CopyEntriesAfter(parent.Id, afterCookie, readOptions, destination.Span, out bool endOfDirectory);
        return new(new DirectoryPage(count, endOfDirectory, verifier, attributes));
    }

    /// <summary>
    /// A cookie is good if it is 0 (any verifier, as RFC 1813 §3.3.16 asks clients to send 0 but some do not),
    /// or comes with the directory's verifier and is no later than the last cookie the directory handed out.
    /// Cookies of removed entries stay good: listing resumes at the next surviving entry.
    /// </summary>
    private static StoreStatus CheckCookie(in InodeRecord directory, ulong afterCookie, ulong cookieVerifier, ulong directoryVerifier)
    {
        if (afterCookie == DirectoryCookie.Start)
        {
            return StoreStatus.Ok;
        }
        return cookieVerifier == directoryVerifier && afterCookie <= directory.LastCookie ? StoreStatus.Ok : StoreStatus.BadCookie;
    }

    /// <summary>
    /// Copies the entries with a cookie above <paramref name="afterCookie"/>, in cookie order, with their attributes,
    /// until <paramref name="destination"/> is full; returns how many, and whether no entry is left after them.
    /// </summary>
    private int CopyEntriesAfter(ulong directoryId, ulong afterCookie, ReadOptions readOptions, Span<DirectoryEntry> destination, out bool endOfDirectory)
    {
        Span<byte> range = stackalloc byte[MetadataKeys.DirectoryRangeLength];
        MetadataKeys.EntriesOf(range, directoryId);
        Span<byte> start = stackalloc byte[MetadataKeys.EntryByCookieLength];
        MetadataKeys.EntryByCookie(start, directoryId, Math.Max(afterCookie + 1, DirectoryCookie.FirstEntry));

        using var iterator = _db.NewIterator(readOptions);
        int count = 0;
        for (iterator.Seek(start); count < destination.Length && InRange(iterator, range); iterator.Next())
        {
            var value = iterator.GetValueSpan();
            var child = _db.GetInode(EntryRecords.ChildIdOf(value), readOptions);
            if (child.Exists)
            {
                ulong cookie = MetadataKeys.CookieOf(iterator.GetKeySpan());
                destination[count++] = new DirectoryEntry(EntryRecords.NameOf(value).ToArray(), cookie, child.Attributes);
            }
        }
        endOfDirectory = !InRange(iterator, range);
        return count;
    }

    private static bool InRange(Iterator iterator, ReadOnlySpan<byte> range) => iterator.Valid() && iterator.GetKeySpan().StartsWith(range);
}
