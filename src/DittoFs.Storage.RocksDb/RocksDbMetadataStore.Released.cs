using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

// The release list: content whose file lost its last name and that is not deleted yet, as ext4's orphan list.
public sealed partial class RocksDbMetadataStore
{
    /// <summary>
    /// Drops the content's released record. Applied without a sync: if a crash loses it, the next start deletes the
    /// content again, which finds nothing (content ids are never reused), and drops the record then.
    /// </summary>
    public ValueTask<StoreStatus> ContentDeletedAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        using var batch = new MetadataBatch();
        batch.DeleteReleasedContent(content);
        return new(_db.Apply(batch));
    }

    public ValueTask<IReadOnlyList<ContentId>> ListReleasedContentAsync(CancellationToken cancellationToken = default) =>
        new(_db.ListReleasedContent());

    /// <summary>
    /// Adds to a batch that takes a regular file's last name the record that its content waits for deletion, so the
    /// record is durable exactly when the removal is and a crash before the deletion leaves it to the next start.
    /// </summary>
    private static void RecordRelease(MetadataBatch batch, ContentId content)
    {
        if (!content.IsNone)
        {
            batch.PutReleasedContent(content);
        }
    }
}
