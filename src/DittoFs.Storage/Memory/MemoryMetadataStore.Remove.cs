namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(Remove(auth, parent, name.Span));
    }

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(Rmdir(auth, parent, name.Span));
    }

    private StoreResult<RemoveResult> Remove(AuthContext auth, Inode parent, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckRemoveName(name);
        while (true)
        {
            var child = PeekEntry(parent, name, nameStatus);
            using var locks = InodeLocks.Enter(parent, child);
            if (parent.IsRemoved)
            {
                return StoreStatus.Stale;
            }
            var before = parent.Attributes;
            var status = CheckEntryOperation(auth, parent, name, nameStatus, child, out bool moved);
            if (moved)
            {
                continue;
            }
            if (status == StoreStatus.Ok && child!.IsDirectory)
            {
                status = StoreStatus.IsDir;
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckModifyDirectory(before, auth);
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSticky(before, child!.Attributes, auth);
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<RemoveResult>(status, new RemoveResult(WccData.Unchanged(before), ContentId.None));
            }

            var now = _clock.Now();
            parent.Entries!.Remove(name);
            parent.Attributes = PosixRules.AfterEntryChange(before, now);
            child!.Attributes = PosixRules.AfterLinkCountChange(child.Attributes, now, -1);
            var released = ContentId.None;
            if (child.Attributes.LinkCount == 0)
            {
                Forget(child);
                released = child.Attributes.ContentId;
            }
            return new RemoveResult(new WccData(before.ToWcc(), parent.Attributes), released);
        }
    }

    private StoreResult<WccData> Rmdir(AuthContext auth, Inode parent, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckRmdirName(name);
        while (true)
        {
            var child = PeekEntry(parent, name, nameStatus);
            using var locks = InodeLocks.Enter(parent, child);
            if (parent.IsRemoved)
            {
                return StoreStatus.Stale;
            }
            var before = parent.Attributes;
            var status = CheckEntryOperation(auth, parent, name, nameStatus, child, out bool moved);
            if (moved)
            {
                continue;
            }
            if (status == StoreStatus.Ok && !child!.IsDirectory)
            {
                status = StoreStatus.NotDir;
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckModifyDirectory(before, auth);
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSticky(before, child!.Attributes, auth);
            }
            if (status == StoreStatus.Ok && child!.Entries!.Count > 0)
            {
                status = StoreStatus.NotEmpty;
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<WccData>(status, WccData.Unchanged(before));
            }

            var now = _clock.Now();
            parent.Entries!.Remove(name);
            parent.Attributes = PosixRules.AfterEntryChange(before, now, subdirectoryDelta: -1);
            child!.Attributes = child.Attributes with { LinkCount = 0, ChangeTime = now };
            Forget(child);
            return new WccData(before.ToWcc(), parent.Attributes);
        }
    }

    /// <summary>
    /// What <paramref name="name"/> names in <paramref name="parent"/> right now, read under the directory's lock
    /// only, so the operation can then lock both together (<see cref="InodeLocks"/>) and confirm.
    /// </summary>
    private static Inode? PeekEntry(Inode parent, ReadOnlySpan<byte> name, StoreStatus nameStatus)
    {
        if (nameStatus != StoreStatus.Ok || !parent.IsDirectory)
        {
            return null;
        }
        lock (parent.Gate)
        {
            return parent.IsRemoved ? null : parent.Entries!.Find(name);
        }
    }

    /// <summary>
    /// The checks every operation on an existing entry starts with, under the locks of the directory and of
    /// <paramref name="expected"/>: a directory, a valid name, search permission, and the name still naming
    /// <paramref name="expected"/> (<paramref name="moved"/> when it names something else now: retry).
    /// </summary>
    private static StoreStatus CheckEntryOperation(AuthContext auth, Inode parent, ReadOnlySpan<byte> name, StoreStatus nameStatus, Inode? expected, out bool moved)
    {
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
        var current = parent.Entries!.Find(name);
        if (current != expected)
        {
            moved = true;
            return StoreStatus.Ok;
        }
        return current is null ? StoreStatus.NoEnt : StoreStatus.Ok;
    }
}
