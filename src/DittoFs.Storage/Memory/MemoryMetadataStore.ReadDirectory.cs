using System.Buffers;

namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier, Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(ReadDirectory(auth, parent, afterCookie, cookieVerifier, destination.Span));
    }

    private StoreResult<DirectoryPage> ReadDirectory(AuthContext auth, Inode parent, ulong afterCookie, ulong cookieVerifier, Span<DirectoryEntry> destination)
    {
        var children = ArrayPool<Inode?>.Shared.Rent(Math.Max(destination.Length, 1));
        try
        {
            int count;
            bool endOfDirectory;
            InodeAttributes attributes;
            lock (parent.Gate)
            {
                if (parent.IsRemoved)
                {
                    return StoreStatus.Stale;
                }
                attributes = parent.Attributes;
                var status = parent.IsDirectory ? PosixRules.CheckListDirectory(attributes, auth) : StoreStatus.NotDir;
                if (status == StoreStatus.Ok)
                {
                    status = CheckCookie(parent.Entries!, afterCookie, cookieVerifier);
                }
                if (status != StoreStatus.Ok)
                {
                    return new StoreResult<DirectoryPage>(status, new DirectoryPage(0, false, _cookieVerifier, attributes));
                }
                count = parent.Entries!.CopyAfter(afterCookie, destination, children, out endOfDirectory);
            }

            // Each entry's attributes are read under its own lock once the directory's is released (one inode lock
            // at a time outside InodeLocks). An entry removed meanwhile keeps the attributes it was last seen with.
            for (int i = 0; i < count; i++)
            {
                var child = children[i]!;
                lock (child.Gate)
                {
                    destination[i] = destination[i] with { Attributes = child.Attributes };
                }
            }
            return new DirectoryPage(count, endOfDirectory, _cookieVerifier, attributes);
        }
        finally
        {
            ArrayPool<Inode?>.Shared.Return(children, clearArray: true);
        }
    }

    /// <summary>
    /// A cookie is good if it is 0 (any verifier, as RFC 1813 §3.3.16 asks clients to send 0 but some do not),
    /// or comes with this store's verifier and is no later than the last cookie the directory handed out.
    /// Cookies of removed entries stay good: listing resumes at the next surviving entry.
    /// </summary>
    private StoreStatus CheckCookie(DirectoryEntries entries, ulong afterCookie, ulong cookieVerifier)
    {
        if (afterCookie == DirectoryCookie.Start)
        {
            return StoreStatus.Ok;
        }
        return cookieVerifier == _cookieVerifier && afterCookie <= entries.LastCookie ? StoreStatus.Ok : StoreStatus.BadCookie;
    }
}
