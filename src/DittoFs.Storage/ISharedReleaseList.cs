namespace DittoFs.Storage;

/// <summary>
/// The release list of a metadata store that several servers use at once (PostgreSQL). Content released by any
/// server is deleted by exactly one, and only a grace period after its release, not at once by the server whose
/// REMOVE or RENAME released it: another server may have checked the file just before the removal (READ's
/// <see cref="IMetadataStore.PrepareReadAsync"/>) and still be reading its content. Each server claims a batch now
/// and then (<see cref="ClaimReleasedContentAsync"/>), deletes it, and drops each record
/// (<see cref="IMetadataStore.ContentDeletedAsync"/>). A server that claimed and died leaves its claims to expire;
/// another then claims them again (deleting content twice is harmless: content ids are never reused).
/// <see cref="IMetadataStore.ListReleasedContentAsync"/> still lists the whole list (fsck), but servers do not
/// delete from it.
/// </summary>
public interface ISharedReleaseList
{
    /// <summary>
    /// Claims up to <paramref name="max"/> released contents for the caller: those released at least
    /// <paramref name="grace"/> ago (the database's clock, so servers' clocks do not matter) and not claimed, or whose
    /// claim is older than its lease. A claim lasts <paramref name="lease"/>; while it lasts, no other caller gets
    /// the same content. Empty when nothing is due or the store cannot be reached (the next round tries again).
    /// </summary>
    ValueTask<IReadOnlyList<ContentId>> ClaimReleasedContentAsync(int max, TimeSpan grace, TimeSpan lease, CancellationToken cancellationToken = default);
}
