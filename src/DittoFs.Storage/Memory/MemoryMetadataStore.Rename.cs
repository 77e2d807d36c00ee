namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
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
        return new(Rename(auth, from, fromName.Span, to, toName.Span));
    }

    private StoreResult<RenameResult> Rename(AuthContext auth, Inode from, ReadOnlySpan<byte> fromName, Inode to, ReadOnlySpan<byte> toName)
    {
        var fromNameStatus = PosixRules.CheckRenameName(fromName);
        var toNameStatus = PosixRules.CheckRenameName(toName);
        bool holdsRenameGate = false;
        try
        {
            while (true)
            {
                var source = PeekEntry(from, fromName, fromNameStatus);
                var target = PeekEntry(to, toName, toNameStatus);
                bool movesDirectory = source is { IsDirectory: true } && from != to;
                if (movesDirectory && !holdsRenameGate)
                {
                    // Taken before any inode lock: the gate is first in the lock order.
                    _renameGate.Enter();
                    holdsRenameGate = true;
                }

                using var locks = InodeLocks.Enter(from, to, source, target);
                if (from.IsRemoved || to.IsRemoved)
                {
                    return StoreStatus.Stale;
                }
                var fromBefore = from.Attributes;
                var toBefore = to.Attributes;
                var status = CheckEntryOperation(auth, from, fromName, fromNameStatus, source, out bool moved);
                if (status == StoreStatus.Ok && !moved)
                {
                    status = CheckEntryOperation(auth, to, toName, toNameStatus, target, out moved);
                    if (status == StoreStatus.NoEnt)
                    {
                        status = StoreStatus.Ok; // a missing target is the usual case
                    }
                }
                if (moved)
                {
                    continue;
                }
                if (status == StoreStatus.Ok && source == target)
                {
                    // rename(2): two names of one file (or one name twice) is a successful no-op.
                    return new RenameResult(WccData.Unchanged(fromBefore), WccData.Unchanged(toBefore), ContentId.None);
                }
                if (status == StoreStatus.Ok)
                {
                    status = CheckRename(auth, from, source!, to, target, movesDirectory);
                }
                if (status != StoreStatus.Ok)
                {
                    return new StoreResult<RenameResult>(status,
                        new RenameResult(WccData.Unchanged(fromBefore), WccData.Unchanged(toBefore), ContentId.None));
                }

                var now = _clock.Now();
                var released = ContentId.None;
                if (target is not null)
                {
                    released = Unlink(to, toName, target, now);
                }
                from.Entries!.Remove(fromName);
                to.Entries!.Add(toName.ToArray(), source!);
                if (movesDirectory)
                {
                    source!.Parent = to;
                }
                int movedSubdirectories = movesDirectory ? 1 : 0;
                from.Attributes = PosixRules.AfterEntryChange(from.Attributes, now, -movedSubdirectories);
                to.Attributes = PosixRules.AfterEntryChange(to.Attributes, now, movedSubdirectories);
                // Linux moves the renamed object's ctime too; clients use it to notice the move.
                source!.Attributes = source.Attributes with { ChangeTime = now };
                return new RenameResult(
                    new WccData(fromBefore.ToWcc(), from.Attributes),
                    new WccData(toBefore.ToWcc(), to.Attributes),
                    released);
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
    private static StoreStatus CheckRename(AuthContext auth, Inode from, Inode source, Inode to, Inode? target, bool movesDirectory)
    {
        if (PosixRules.CheckModifyDirectory(from.Attributes, auth) is var status and not StoreStatus.Ok
            || (status = PosixRules.CheckModifyDirectory(to.Attributes, auth)) != StoreStatus.Ok
            || (status = PosixRules.CheckSticky(from.Attributes, source.Attributes, auth)) != StoreStatus.Ok
            || target is not null && (status = PosixRules.CheckSticky(to.Attributes, target.Attributes, auth)) != StoreStatus.Ok)
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
            if (IsSelfOrAncestor(source, to))
            {
                return StoreStatus.Inval; // into its own subtree (rename(2) EINVAL)
            }
        }
        return target is null
            ? StoreStatus.Ok
            : PosixRules.CheckReplace(source.Attributes, target.Attributes, target.Entries is not { Count: > 0 });
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> is <paramref name="directory"/> or one of its ancestors. Reads parent
    /// links without inode locks: only renames holding the rename gate change them, and the caller holds it.
    /// </summary>
    private static bool IsSelfOrAncestor(Inode candidate, Inode directory)
    {
        for (var node = directory; ; node = node.Parent!)
        {
            if (node == candidate)
            {
                return true;
            }
            if (node.Parent == node)
            {
                return false;
            }
        }
    }

    /// <summary>Removes the entry of a replaced rename target; returns its content id when that was its last name.</summary>
    private ContentId Unlink(Inode directory, ReadOnlySpan<byte> name, Inode target, FileTime now)
    {
        directory.Entries!.Remove(name);
        if (target.IsDirectory)
        {
            directory.Attributes = PosixRules.AfterEntryChange(directory.Attributes, now, subdirectoryDelta: -1);
            target.Attributes = target.Attributes with { LinkCount = 0, ChangeTime = now };
            Forget(target);
            return ContentId.None;
        }
        target.Attributes = PosixRules.AfterLinkCountChange(target.Attributes, now, -1);
        if (target.Attributes.LinkCount > 0)
        {
            return ContentId.None;
        }
        Forget(target);
        return target.Attributes.ContentId;
    }
}
