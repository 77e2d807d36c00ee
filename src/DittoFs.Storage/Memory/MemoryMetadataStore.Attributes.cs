namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode))
        {
            return new(StoreStatus.Stale);
        }
        return new(ChangeAttributes(auth, inode, changes, guardChangeTime));
    }

    private StoreResult<WccData> ChangeAttributes(AuthContext auth, Inode inode, in SetAttributes changes, FileTime? guardChangeTime)
    {
        lock (inode.Gate)
        {
            if (inode.IsRemoved)
            {
                return StoreStatus.Stale;
            }
            var before = inode.Attributes;
            var status = PosixRules.CheckGuard(before, guardChangeTime);
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.ApplySetAttributes(before, changes, auth, _clock.Now(), out var after);
                if (status == StoreStatus.Ok)
                {
                    inode.Attributes = after;
                    return new WccData(before.ToWcc(), after);
                }
            }
            return new StoreResult<WccData>(status, WccData.Unchanged(before));
        }
    }

    public ValueTask<StoreStatus> RevertAttributesAsync(FileRef file, InodeAttributes changed, InodeAttributes original, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode))
        {
            return new(StoreStatus.Stale);
        }
        lock (inode.Gate)
        {
            if (inode.IsRemoved)
            {
                return new(StoreStatus.Stale);
            }
            var status = PosixRules.Revert(inode.Attributes, changed, original, out var reverted);
            inode.Attributes = reverted;
            return new(status);
        }
    }
}
