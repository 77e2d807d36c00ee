using DittoFs.Storage;

namespace DittoFs.Vfs;

/// <summary>
/// Content released before this start and never deleted (the previous process ended with deletions queued, or a
/// deletion failed), as each metadata store lists it; queued through the <see cref="ContentReleaser"/> like any
/// release. A released content id is known only by its metadata store, not by share, so it is deleted from every
/// content store the shares of that metadata store use (a store that does not hold it has nothing to delete).
/// </summary>
public sealed class ReleasedContentBacklog
{
    private readonly List<(IMetadataStore Metadata, IContentStore[] ContentStores, IReadOnlyList<ContentId> Released)> _stores;

    private ReleasedContentBacklog(List<(IMetadataStore, IContentStore[], IReadOnlyList<ContentId>)> stores)
    {
        _stores = stores;
        Count = stores.Sum(store => store.Item3.Count);
    }

    /// <summary>How many pieces of content wait for deletion.</summary>
    public int Count { get; }

    /// <summary>Lists what each metadata store of <paramref name="shares"/> (their file systems) still holds as released.</summary>
    public static async Task<ReleasedContentBacklog> FindAsync(IEnumerable<VirtualFileSystem> shares, CancellationToken cancellationToken)
    {
        var stores = new List<(IMetadataStore, IContentStore[], IReadOnlyList<ContentId>)>();
        foreach (var byMetadata in shares.GroupBy(share => share.Metadata))
        {
            if (byMetadata.Key is ISharedReleaseList)
            {
                // Shared with other servers: what it lists may be another server's fresh release, still being read
                // there. The SharedReleaseSweeper claims it when due instead.
                continue;
            }
            var released = await byMetadata.Key.ListReleasedContentAsync(cancellationToken).ConfigureAwait(false);
            if (released.Count > 0)
            {
                stores.Add((byMetadata.Key, byMetadata.Select(share => share.Content).Distinct().ToArray(), released));
            }
        }
        return new ReleasedContentBacklog(stores);
    }

    /// <summary>
    /// Queues every deletion; waits for room when the queue is full. Cancelled at shutdown: what was not queued yet
    /// stays listed for the next start.
    /// </summary>
    public async Task QueueAsync(ContentReleaser releaser, CancellationToken cancellationToken)
    {
        foreach (var (metadata, contentStores, released) in _stores)
        {
            foreach (var content in released)
            {
                await releaser.ReleaseAsync(metadata, contentStores, content, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
