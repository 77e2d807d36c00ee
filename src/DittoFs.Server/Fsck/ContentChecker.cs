using DittoFs.Storage;
using DittoFs.Storage.RocksDb.Consistency;

namespace DittoFs.Server.Fsck;

/// <summary>
/// The content side of a check: lists a content store (<see cref="IContentInventory"/>) and holds each piece
/// against the metadata stores' reports. Content whose prefix is no checked store's belongs to a store this
/// configuration does not name, and is left alone; content of a checked store that no file names is an orphan;
/// content longer than its file holds unreadable bytes. Missing content is fine: a file never written, or sparse.
/// <para>
/// A metadata store that servers may be using while fsck runs (PostgreSQL: <paramref name="recheck"/> given for its
/// report) was read before the listing, so what the listing finds may be newer: before anything is reported, such
/// candidates are read again from the database (<see cref="SharedOwner"/>). Content that is a file's now is fine; on
/// the release list now, it is a server's to delete once its grace passed (never fsck's: another server may still
/// be reading it); only content that is neither is an orphan. Content longer than its file is reported but not cut:
/// a server may be writing it (bytes reach S3 before the size is recorded).
/// </para>
/// </summary>
internal static class ContentChecker
{
    /// <summary>A fresh read of which contents are live (with sizes) and which are released, for a shared metadata store.</summary>
    public delegate (IReadOnlyDictionary<ContentId, ulong> Live, IReadOnlySet<ContentId> Released) SharedOwner(IReadOnlyCollection<ContentId> contents);

    public static async Task<(List<ContentFinding> Findings, ulong Listed, ulong Foreign)> CheckAsync(
        string storeName, IContentStore store, IContentInventory inventory, IReadOnlyCollection<MetadataCheckReport> owners, bool repair, CancellationToken cancellationToken,
        IReadOnlyDictionary<MetadataCheckReport, SharedOwner>? recheck = null)
    {
        var findings = new List<ContentFinding>();
        var candidates = new List<(MetadataCheckReport Owner, StoredContent Stored)>();
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
            if (owner.Content.TryGetValue(stored.Id, out ulong size) && stored.Length <= size)
            {
                continue;
            }
            if (recheck is not null && recheck.ContainsKey(owner))
            {
                candidates.Add((owner, stored));
                continue;
            }
            if (!owner.Content.ContainsKey(stored.Id))
            {
                // Released content is queued for deletion at the server's next start; a repair deletes it now.
                string queued = owner.ReleasedContent.Contains(stored.Id) ? "; queued for deletion at the server's next start" : "";
                var orphan = new ContentFinding(ContentProblem.OrphanContent, storeName, stored.Id, $"content {stored.Id} ({stored.Length} bytes) belongs to no file{queued}");
                findings.Add(repair ? await RepairAsync(orphan, store.DeleteAsync(stored.Id, cancellationToken)).ConfigureAwait(false) : orphan);
            }
            else
            {
                var beyond = new ContentFinding(ContentProblem.ContentBeyondSize, storeName, stored.Id, $"content {stored.Id} has {stored.Length} bytes; its file's size is {size}");
                findings.Add(repair ? await RepairAsync(beyond, TruncateAndFlushAsync(store, stored.Id, size, cancellationToken)).ConfigureAwait(false) : beyond);
            }
        }
        foreach (var group in candidates.GroupBy(candidate => candidate.Owner))
        {
            var (live, released) = recheck![group.Key](group.Select(candidate => candidate.Stored.Id).ToList());
            foreach (var (_, stored) in group)
            {
                if (live.TryGetValue(stored.Id, out ulong size))
                {
                    if (stored.Length > size)
                    {
                        findings.Add(new ContentFinding(ContentProblem.ContentBeyondSize, storeName, stored.Id,
                            $"content {stored.Id} has {stored.Length} bytes; its file's size is {size} (not cut: servers share this store, one may be writing it)"));
                    }
                }
                else if (!released.Contains(stored.Id))
                {
                    var orphan = new ContentFinding(ContentProblem.OrphanContent, storeName, stored.Id, $"content {stored.Id} ({stored.Length} bytes) belongs to no file and is not on the release list");
                    findings.Add(repair ? await RepairAsync(orphan, store.DeleteAsync(stored.Id, cancellationToken)).ConfigureAwait(false) : orphan);
                }
                // On the release list now: a server deletes it once its grace passed.
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
