namespace DittoFs.Storage;

public readonly partial struct NamespaceChanges<TSteps, TId, TNode, TEntry>
{
    /// <summary>
    /// RENAME (RFC 1813 §3.3.14) within one share; the caller answers XDev between shares. A replaced target loses
    /// that name (and with its last name the object); renaming a name onto another name of the same object is a no-op.
    /// </summary>
    public StoreResult<RenameResult> Rename(AuthContext auth, TId fromDirectory, ReadOnlySpan<byte> fromName, TId toDirectory, ReadOnlySpan<byte> toName)
    {
        var fromNameStatus = PosixRules.CheckRenameName(fromName);
        var toNameStatus = PosixRules.CheckRenameName(toName);
        bool holdsRenameGate = false;
        try
        {
            while (true)
            {
                var sourceId = Peek(fromDirectory, fromName, fromNameStatus);
                var targetId = Peek(toDirectory, toName, toNameStatus);
                bool movesDirectory = !IsNone(sourceId) && !Same(fromDirectory, toDirectory) && _steps.IsDirectory(sourceId);
                if (movesDirectory && !holdsRenameGate)
                {
                    // Taken before any inode lock: the gate is first in the lock order.
                    _steps.RenameGate.Enter();
                    holdsRenameGate = true;
                }

                using var locks = Enter(fromDirectory, toDirectory, sourceId, targetId);
                if (!_steps.TryRead(fromDirectory, out var from) || !_steps.TryRead(toDirectory, out var to))
                {
                    return StoreStatus.Stale;
                }
                var unchanged = new RenameResult(WccData.Unchanged(_steps.AttributesOf(from)), WccData.Unchanged(_steps.AttributesOf(to)), ContentId.None);
                var status = CheckEntry(auth, from, fromName, fromNameStatus, sourceId, out var sourceEntry, out bool moved);
                var targetEntry = default(TEntry)!;
                if (status == StoreStatus.Ok && !moved)
                {
                    status = CheckEntry(auth, to, toName, toNameStatus, targetId, out targetEntry, out moved);
                    if (status == StoreStatus.NoEnt)
                    {
                        status = StoreStatus.Ok; // a missing target is the usual case
                    }
                }
                if (moved)
                {
                    continue;
                }
                if (status == StoreStatus.Ok && Same(sourceId, targetId))
                {
                    // rename(2): two names of one file (or one name twice) is a successful no-op.
                    return unchanged;
                }
                bool hasTarget = !IsNone(targetId);
                var source = status == StoreStatus.Ok ? ReadEntryTarget(sourceId, ref status) : default!;
                var target = status == StoreStatus.Ok && hasTarget ? ReadEntryTarget(targetId, ref status) : default!;
                if (status == StoreStatus.Ok)
                {
                    status = CheckRename(auth, from, source, to, target, hasTarget, movesDirectory);
                }
                if (status != StoreStatus.Ok)
                {
                    return new StoreResult<RenameResult>(status, unchanged);
                }
                return _steps.ApplyRename(
                    new RenameParts<TNode, TEntry>(from, fromName, sourceEntry, source, to, toName, targetEntry, target, hasTarget, movesDirectory),
                    unchanged);
            }
        }
        finally
        {
            if (holdsRenameGate)
            {
                _steps.RenameGate.Exit();
            }
        }
    }

    /// <summary>The permission and shape checks of a rename whose source exists and differs from the target.</summary>
    private StoreStatus CheckRename(AuthContext auth, in TNode from, in TNode source, in TNode to, in TNode target, bool hasTarget, bool movesDirectory)
    {
        var fromAttributes = _steps.AttributesOf(from);
        var toAttributes = _steps.AttributesOf(to);
        var sourceAttributes = _steps.AttributesOf(source);
        if (PosixRules.CheckModifyDirectory(fromAttributes, auth) is var status and not StoreStatus.Ok
            || (status = PosixRules.CheckModifyDirectory(toAttributes, auth)) != StoreStatus.Ok
            || (status = PosixRules.CheckSticky(fromAttributes, sourceAttributes, auth)) != StoreStatus.Ok
            || hasTarget && (status = PosixRules.CheckSticky(toAttributes, _steps.AttributesOf(target), auth)) != StoreStatus.Ok)
        {
            return status;
        }
        if (movesDirectory)
        {
            // A directory moving to another parent has its ".." rewritten, which needs write permission on it (Linux).
            if (PosixRules.CheckModifyDirectory(sourceAttributes, auth) != StoreStatus.Ok)
            {
                return StoreStatus.Access;
            }
            if (_steps.IsSelfOrAncestor(source, to))
            {
                return StoreStatus.Inval; // into its own subtree (rename(2) EINVAL)
            }
        }
        return hasTarget
            ? PosixRules.CheckReplace(sourceAttributes, _steps.AttributesOf(target), targetIsEmpty: !_steps.HasEntries(target))
            : StoreStatus.Ok;
    }
}
