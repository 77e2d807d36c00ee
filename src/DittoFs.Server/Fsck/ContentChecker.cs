using DittoFs.Storage;
using DittoFs.Storage.RocksDb.Consistency;

namespace DittoFs.Server.Fsck;

/// <summary>
/// The content side of a check: lists a content store (<see cref="IContentInventory"/>) and holds each piece
/// against the metadata stores' reports. Content whose prefix is no checked store's belongs to a store this
/// configuration does not name, and is left alone; content of a checked store that no file names is an orphan;
/// content longer than its file holds unreadable bytes. Missing content is fine: a file never written, or sparse.
/// </summary>
internal static class ContentChecker
{
    public static async Task<(List<ContentFinding> Findings, ulong Listed, ulong Foreign)> CheckAsync(
        string storeName, IContentStore store, IContentInventory inventory, IReadOnlyCollection<MetadataCheckReport> owners, bool repair, CancellationToken cancellationToken)
    {
        var findings = new List<ContentFinding>();
        ulong listed = 0, foreign = 0;
        await foreach (var stored in inventory.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            listed++;
            var owner = owners.FirstOrDefault(report => report.Owns(stored.Id));
            if (owner is null)
            {
                foreign++;
                continue;
            }
            if (!owner.Content.TryGetValue(stored.Id, out ulong size))
            {
                // Released content is queued for deletion at the server's next start; a repair deletes it now.
                string queued = owner.ReleasedContent.Contains(stored.Id) ? "; queued for deletion at the server's next start" : "";
                var orphan = new ContentFinding(ContentProblem.OrphanContent, storeName, stored.Id, $"content {stored.Id} ({stored.Length} bytes) belongs to no file{queued}");
                findings.Add(repair ? await RepairAsync(orphan, store.DeleteAsync(stored.Id, cancellationToken)).ConfigureAwait(false) : orphan);
            }
            else if (stored.Length > size)
            {
                var beyond = new ContentFinding(ContentProblem.ContentBeyondSize, storeName, stored.Id, $"content {stored.Id} has {stored.Length} bytes; its file's size is {size}");
                findings.Add(repair ? await RepairAsync(beyond, TruncateAndFlushAsync(store, stored.Id, size, cancellationToken)).ConfigureAwait(false) : beyond);
            }
        }
        return (findings, listed, foreign);
    }

    private static async ValueTask<StoreStatus> TruncateAndFlushAsync(IContentStore store, ContentId content, ulong size, CancellationToken cancellationToken)
    {
        var status = await store.TruncateAsync(content, size, cancellationToken).ConfigureAwait(false);
        return status == StoreStatus.Ok ? await store.FlushAsync(content, cancellationToken).ConfigureAwait(false) : status;
    }

    private static async Task<ContentFinding> RepairAsync(ContentFinding finding, ValueTask<StoreStatus> repair)
    {
        var status = await repair.ConfigureAwait(false);
        return status == StoreStatus.Ok ? finding with { Repaired = true } : finding with { RepairFailure = status.ToString() };
    }
}
