using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    public ValueTask<StoreResult<RenameResult>> RenameAsync(AuthContext auth, FileRef fromDirectory, ReadOnlyMemory<byte> fromName, FileRef toDirectory, ReadOnlyMemory<byte> toName, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(fromDirectory, out var from) || !TryResolve(toDirectory, out var to))
        {
            return new(StoreStatus.Stale);
        }
        if (from.RootId != to.RootId)
        {
            return new(StoreStatus.XDev); // shares are separate file systems, even in one store
        }
        return DurableAsync(_namespace.Rename(auth, fromDirectory.FileId, fromName.Span, toDirectory.FileId, toName.Span));
    }

    /// <summary>
    /// Whether <paramref name="candidateId"/> is <paramref name="directoryId"/> or one of its ancestors. Reads parent
    /// ids without inode locks: only renames holding the rename gate change them, and the caller holds it.
    /// </summary>
    private bool IsSelfOrAncestor(ulong candidateId, ulong directoryId)
    {
        for (ulong id = directoryId; ;)
        {
            if (id == candidateId)
            {
                return true;
            }
            var node = _db.GetInode(id);
            if (!node.Exists || node.ParentId == id)
            {
                return false;
            }
            id = node.ParentId;
        }
    }

    /// <summary>
    /// Writes a checked rename as one batch: the target's entry and (with its last name) its inode go, the source's
    /// entry moves, and both directories change. When both directories are one, each change applies to one record.
    /// </summary>
    private StoreResult<RenameResult> MoveEntry(in RenameParts<InodeRecord, EntryRecords.NamedEntry> parts, in RenameResult unchanged)
    {
        var now = _clock.Now();
        bool sameDirectory = parts.From.Id == parts.To.Id;
        int movedSubdirectories = parts.MovesDirectory ? 1 : 0;
        var released = ContentId.None;
        bool forgotten = false;
        using var batch = new MetadataBatch();

        var to = parts.To;
        if (parts.HasTarget)
        {
            batch.DeleteEntry(to.Id, parts.ToName, parts.TargetEntry.Cookie);
            to = RemoveEntry(to, now, parts.Target.IsDirectory ? -1 : 0);
            var targetAfter = parts.Target.IsDirectory
                ? parts.Target.Attributes with { LinkCount = 0 }
                : PosixRules.AfterLinkCountChange(parts.Target.Attributes, now, -1);
            forgotten = targetAfter.LinkCount == 0;
            if (forgotten)
            {
                batch.DeleteInode(targetAfter.FileId);
                released = targetAfter.ContentId;
                RecordRelease(batch, released);
            }
            else
            {
                batch.PutInode(parts.Target with { Attributes = targetAfter });
            }
        }

        var from = sameDirectory ? to : parts.From;
        batch.DeleteEntry(from.Id, parts.FromName, parts.SourceEntry.Cookie);
        from = RemoveEntry(from, now, -movedSubdirectories);
        to = AddEntry(sameDirectory ? from : to, now, movedSubdirectories, out ulong cookie);
        from = sameDirectory ? to : from;
        batch.PutEntry(to.Id, parts.ToName, cookie, parts.Source.Id);
        batch.PutInode(from);
        if (!sameDirectory)
        {
            batch.PutInode(to);
        }
        // Linux moves the renamed object's ctime too; clients use it to notice the move.
        batch.PutInode(parts.Source with
        {
            Attributes = parts.Source.Attributes with { ChangeTime = now },
            ParentId = parts.MovesDirectory ? to.Id : parts.Source.ParentId,
        });

        if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
        {
            return new StoreResult<RenameResult>(applied, unchanged);
        }
        if (forgotten)
        {
            ReleaseFileSlot();
        }
        return new RenameResult(
            new WccData(parts.From.Attributes.ToWcc(), from.Attributes),
            new WccData(parts.To.Attributes.ToWcc(), to.Attributes),
            released);
    }
}
