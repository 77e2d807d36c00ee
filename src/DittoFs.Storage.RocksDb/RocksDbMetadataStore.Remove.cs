using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(_namespace.Remove(auth, directory.FileId, name.Span));
    }

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(_namespace.Rmdir(auth, directory.FileId, name.Span));
    }

    /// <summary>REMOVE's change, checked, written under the locks of directory and child as one batch.</summary>
    private StoreResult<RemoveResult> RemoveChild(in InodeRecord parent, ReadOnlySpan<byte> name, in EntryRecords.NamedEntry entry, in InodeRecord child)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        var parentAfter = RemoveEntry(parent, now, 0);
        var childAfter = PosixRules.AfterLinkCountChange(child.Attributes, now, -1);
        using var batch = new MetadataBatch();
        batch.DeleteEntry(parent.Id, name, entry.Cookie);
        batch.PutInode(parentAfter);
        bool forgotten = childAfter.LinkCount == 0;
        if (forgotten)
        {
            batch.DeleteInode(child.Id);
            RecordRelease(batch, childAfter.ContentId);
        }
        else
        {
            batch.PutInode(child with { Attributes = childAfter });
        }
        if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
        {
            return new StoreResult<RemoveResult>(applied, new RemoveResult(WccData.Unchanged(before), ContentId.None));
        }
        if (forgotten)
        {
            ReleaseFileSlot();
        }
        return new RemoveResult(new WccData(before.ToWcc(), parentAfter.Attributes), forgotten ? childAfter.ContentId : ContentId.None);
    }

    /// <summary>RMDIR's change, checked, written under the locks of both directories as one batch.</summary>
    private StoreResult<WccData> RemoveDirectory(in InodeRecord parent, ReadOnlySpan<byte> name, in EntryRecords.NamedEntry entry, in InodeRecord child)
    {
        var before = parent.Attributes;
        var parentAfter = RemoveEntry(parent, _clock.Now(), subdirectoryDelta: -1);
        using var batch = new MetadataBatch();
        batch.DeleteEntry(parent.Id, name, entry.Cookie);
        batch.PutInode(parentAfter);
        batch.DeleteInode(child.Id);
        if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
        {
            return new StoreResult<WccData>(applied, WccData.Unchanged(before));
        }
        ReleaseFileSlot();
        return new WccData(before.ToWcc(), parentAfter.Attributes);
    }
}
