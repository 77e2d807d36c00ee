namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    public ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(ChangeAttributes(auth, file.FileId, changes, guardChangeTime));
    }

    private StoreResult<WccData> ChangeAttributes(AuthContext auth, ulong fileId, in SetAttributes changes, FileTime? guardChangeTime)
    {
        using var locks = _locks.Enter(fileId);
        var record = _db.GetInode(fileId);
        if (!record.Exists)
        {
            return StoreStatus.Stale;
        }
        var before = record.Attributes;
        var status = PosixRules.CheckGuard(before, guardChangeTime);
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.ApplySetAttributes(before, changes, auth, _clock.Now(), out var after);
            if (status == StoreStatus.Ok && after != before)
            {
                using var batch = new MetadataBatch();
                batch.PutInode(record with { Attributes = after });
                status = _db.Apply(batch);
            }
            if (status == StoreStatus.Ok)
            {
                return new WccData(before.ToWcc(), after);
            }
        }
        return new StoreResult<WccData>(status, WccData.Unchanged(before));
    }

    public ValueTask<StoreStatus> RevertAttributesAsync(FileRef file, InodeAttributes changed, InodeAttributes original, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out _))
        {
            return new(StoreStatus.Stale);
        }
        var status = Revert(file.FileId, changed, original);
        return status == StoreStatus.Ok ? new(_wal.SyncAsync()) : new(status);
    }

    private StoreStatus Revert(ulong fileId, in InodeAttributes changed, in InodeAttributes original)
    {
        using var locks = _locks.Enter(fileId);
        var record = _db.GetInode(fileId);
        if (!record.Exists)
        {
            return StoreStatus.Stale;
        }
        var status = PosixRules.Revert(record.Attributes, changed, original, out var reverted);
        if (status != StoreStatus.Ok)
        {
            return status;
        }
        using var batch = new MetadataBatch();
        batch.PutInode(record with { Attributes = reverted });
        return _db.Apply(batch);
    }
}
