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
        return DurableAsync(Remove(auth, directory.FileId, name.Span));
    }

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(Rmdir(auth, directory.FileId, name.Span));
    }

    private StoreResult<RemoveResult> Remove(AuthContext auth, ulong parentId, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckRemoveName(name);
        while (true)
        {
            ulong childId = PeekEntry(parentId, name, nameStatus);
            using var locks = _locks.Enter(parentId, childId);
            var parent = _db.GetInode(parentId);
            if (!parent.Exists)
            {
                return StoreStatus.Stale;
            }
            var before = parent.Attributes;
            var status = CheckEntryOperation(auth, parent, name, nameStatus, childId, out var entry, out bool moved);
            if (moved)
            {
                continue;
            }
            var child = status == StoreStatus.Ok ? LoadEntryTarget(childId, ref status) : default;
            if (status == StoreStatus.Ok && child.IsDirectory)
            {
                status = StoreStatus.IsDir;
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckModifyDirectory(before, auth);
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSticky(before, child.Attributes, auth);
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<RemoveResult>(status, new RemoveResult(WccData.Unchanged(before), ContentId.None));
            }

            var now = _clock.Now();
            var parentAfter = RemoveEntry(parent, now, 0);
            var childAfter = PosixRules.AfterLinkCountChange(child.Attributes, now, -1);
            using var batch = new MetadataBatch();
            batch.DeleteEntry(parentId, name, entry.Cookie);
            batch.PutInode(parentAfter);
            bool forgotten = childAfter.LinkCount == 0;
            if (forgotten)
            {
                batch.DeleteInode(childId);
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
    }

    private StoreResult<WccData> Rmdir(AuthContext auth, ulong parentId, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckRmdirName(name);
        while (true)
        {
            ulong childId = PeekEntry(parentId, name, nameStatus);
            using var locks = _locks.Enter(parentId, childId);
            var parent = _db.GetInode(parentId);
            if (!parent.Exists)
            {
                return StoreStatus.Stale;
            }
            var before = parent.Attributes;
            var status = CheckEntryOperation(auth, parent, name, nameStatus, childId, out var entry, out bool moved);
            if (moved)
            {
                continue;
            }
            var child = status == StoreStatus.Ok ? LoadEntryTarget(childId, ref status) : default;
            if (status == StoreStatus.Ok && !child.IsDirectory)
            {
                status = StoreStatus.NotDir;
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckModifyDirectory(before, auth);
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSticky(before, child.Attributes, auth);
            }
            if (status == StoreStatus.Ok && child.EntryCount > 0)
            {
                status = StoreStatus.NotEmpty;
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<WccData>(status, WccData.Unchanged(before));
            }

            var parentAfter = RemoveEntry(parent, _clock.Now(), subdirectoryDelta: -1);
            using var batch = new MetadataBatch();
            batch.DeleteEntry(parentId, name, entry.Cookie);
            batch.PutInode(parentAfter);
            batch.DeleteInode(childId);
            if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
            {
                return new StoreResult<WccData>(applied, WccData.Unchanged(before));
            }
            ReleaseFileSlot();
            return new WccData(before.ToWcc(), parentAfter.Attributes);
        }
    }

    /// <summary>The object an entry names; Io when it is missing, which only a damaged database shows (entry and inode are written together).</summary>
    private InodeRecord LoadEntryTarget(ulong childId, ref StoreStatus status)
    {
        var child = _db.GetInode(childId);
        if (!child.Exists)
        {
            status = StoreStatus.Io;
        }
        return child;
    }

    /// <summary>
    /// The id <paramref name="name"/> names in a directory right now (0 for none), read without locks, so the
    /// operation can then lock directory and entry together (<see cref="InodeLocks"/>) and confirm.
    /// </summary>
    private ulong PeekEntry(ulong parentId, ReadOnlySpan<byte> name, StoreStatus nameStatus) =>
        nameStatus == StoreStatus.Ok ? _db.GetEntry(parentId, name).ChildId : 0;

    /// <summary>
    /// The checks every operation on an existing entry starts with, under the locks of the directory and of
    /// <paramref name="expectedId"/>: a directory, a valid name, search permission, and the name still naming
    /// <paramref name="expectedId"/> (<paramref name="moved"/> when it names something else now: retry).
    /// </summary>
    private StoreStatus CheckEntryOperation(AuthContext auth, in InodeRecord parent, ReadOnlySpan<byte> name, StoreStatus nameStatus, ulong expectedId, out EntryRecords.NamedEntry entry, out bool moved)
    {
        entry = default;
        moved = false;
        if (!parent.IsDirectory)
        {
            return StoreStatus.NotDir;
        }
        if (nameStatus != StoreStatus.Ok)
        {
            return nameStatus;
        }
        if (PosixRules.CheckSearch(parent.Attributes, auth) is var status and not StoreStatus.Ok)
        {
            return status;
        }
        entry = _db.GetEntry(parent.Id, name);
        if (entry.ChildId != expectedId)
        {
            moved = true;
            return StoreStatus.Ok;
        }
        return entry.Exists ? StoreStatus.Ok : StoreStatus.NoEnt;
    }
}
