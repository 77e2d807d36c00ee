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
        return DurableAsync(Rename(auth, fromDirectory.FileId, fromName.Span, toDirectory.FileId, toName.Span));
    }

    private StoreResult<RenameResult> Rename(AuthContext auth, ulong fromId, ReadOnlySpan<byte> fromName, ulong toId, ReadOnlySpan<byte> toName)
    {
        var fromNameStatus = PosixRules.CheckRenameName(fromName);
        var toNameStatus = PosixRules.CheckRenameName(toName);
        bool holdsRenameGate = false;
        try
        {
            while (true)
            {
                ulong sourceId = PeekEntry(fromId, fromName, fromNameStatus);
                ulong targetId = PeekEntry(toId, toName, toNameStatus);
                // An object's type never changes, so the peeked source's type holds once the entry is confirmed.
                bool movesDirectory = sourceId != 0 && fromId != toId && _db.GetInode(sourceId).IsDirectory;
                if (movesDirectory && !holdsRenameGate)
                {
                    // Taken before any inode lock: the gate is first in the lock order.
                    _renameGate.Enter();
                    holdsRenameGate = true;
                }

                using var locks = _locks.Enter(fromId, toId, sourceId, targetId);
                var from = _db.GetInode(fromId);
                var to = _db.GetInode(toId);
                if (!from.Exists || !to.Exists)
                {
                    return StoreStatus.Stale;
                }
                var unchanged = new RenameResult(WccData.Unchanged(from.Attributes), WccData.Unchanged(to.Attributes), ContentId.None);
                var status = CheckEntryOperation(auth, from, fromName, fromNameStatus, sourceId, out var sourceEntry, out bool moved);
                var targetEntry = default(EntryRecords.NamedEntry);
                if (status == StoreStatus.Ok && !moved)
                {
                    status = CheckEntryOperation(auth, to, toName, toNameStatus, targetId, out targetEntry, out moved);
                    if (status == StoreStatus.NoEnt)
                    {
                        status = StoreStatus.Ok; // a missing target is the usual case
                    }
                }
                if (moved)
                {
                    continue;
                }
                if (status == StoreStatus.Ok && sourceId == targetId)
                {
                    // rename(2): two names of one file (or one name twice) is a successful no-op.
                    return unchanged;
                }
                var source = status == StoreStatus.Ok ? LoadEntryTarget(sourceId, ref status) : default;
                var target = status == StoreStatus.Ok && targetEntry.Exists ? LoadEntryTarget(targetId, ref status) : default;
                if (status == StoreStatus.Ok)
                {
                    status = CheckRename(auth, from, source, to, target, movesDirectory);
                }
                if (status != StoreStatus.Ok)
                {
                    return new StoreResult<RenameResult>(status, unchanged);
                }
                return ApplyRename(new RenameParts(from, fromName, sourceEntry, source, to, toName, targetEntry, target), movesDirectory, unchanged);
            }
        }
        finally
        {
            if (holdsRenameGate)
            {
                _renameGate.Exit();
            }
        }
    }

    /// <summary>The permission and shape checks of a rename whose source exists and differs from the target.</summary>
    private StoreStatus CheckRename(AuthContext auth, in InodeRecord from, in InodeRecord source, in InodeRecord to, in InodeRecord target, bool movesDirectory)
    {
        if (PosixRules.CheckModifyDirectory(from.Attributes, auth) is var status and not StoreStatus.Ok
            || (status = PosixRules.CheckModifyDirectory(to.Attributes, auth)) != StoreStatus.Ok
            || (status = PosixRules.CheckSticky(from.Attributes, source.Attributes, auth)) != StoreStatus.Ok
            || target.Exists && (status = PosixRules.CheckSticky(to.Attributes, target.Attributes, auth)) != StoreStatus.Ok)
        {
            return status;
        }
        if (movesDirectory)
        {
            // A directory moving to another parent has its ".." rewritten, which needs write permission on it (Linux).
            if (PosixRules.CheckModifyDirectory(source.Attributes, auth) != StoreStatus.Ok)
            {
                return StoreStatus.Access;
            }
            if (IsSelfOrAncestor(source.Id, to.Id))
            {
                return StoreStatus.Inval; // into its own subtree (rename(2) EINVAL)
            }
        }
        return target.Exists
            ? PosixRules.CheckReplace(source.Attributes, target.Attributes, targetIsEmpty: target.EntryCount == 0)
            : StoreStatus.Ok;
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
    private StoreResult<RenameResult> ApplyRename(in RenameParts parts, bool movesDirectory, in RenameResult unchanged)
    {
        var now = _clock.Now();
        bool sameDirectory = parts.From.Id == parts.To.Id;
        int movedSubdirectories = movesDirectory ? 1 : 0;
        var released = ContentId.None;
        bool forgotten = false;
        using var batch = new MetadataBatch();

        var to = parts.To;
        if (parts.Target.Exists)
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
            ParentId = movesDirectory ? to.Id : parts.Source.ParentId,
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

    /// <summary>What a checked rename works on, read under its locks; <see cref="Target"/> does not exist when the name is free.</summary>
    private readonly ref struct RenameParts(
        in InodeRecord from, ReadOnlySpan<byte> fromName, EntryRecords.NamedEntry sourceEntry, in InodeRecord source,
        in InodeRecord to, ReadOnlySpan<byte> toName, EntryRecords.NamedEntry targetEntry, in InodeRecord target)
    {
        public InodeRecord From { get; } = from;
        public ReadOnlySpan<byte> FromName { get; } = fromName;
        public EntryRecords.NamedEntry SourceEntry { get; } = sourceEntry;
        public InodeRecord Source { get; } = source;
        public InodeRecord To { get; } = to;
        public ReadOnlySpan<byte> ToName { get; } = toName;
        public EntryRecords.NamedEntry TargetEntry { get; } = targetEntry;
        public InodeRecord Target { get; } = target;
    }
}
