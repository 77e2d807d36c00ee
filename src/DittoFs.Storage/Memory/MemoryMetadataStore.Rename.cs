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
        return new(_namespace.Rename(auth, from, fromName.Span, to, toName.Span));
    }

    /// <summary>RENAME's change, checked, under the locks of both directories, the source and a replaced target.</summary>
    private RenameResult MoveEntry(in RenameParts<Inode, Inode?> parts)
    {
        var (from, to, source) = (parts.From, parts.To, parts.Source);
        var fromBefore = from.Attributes;
        var toBefore = to.Attributes;
        var now = _clock.Now();
        var released = ContentId.None;
        if (parts.HasTarget)
        {
            released = Unlink(to, parts.ToName, parts.Target, now);
        }
        from.Entries!.Remove(parts.FromName);
        to.Entries!.Add(parts.ToName.ToArray(), source);
        if (parts.MovesDirectory)
        {
            source.Parent = to;
        }
        int movedSubdirectories = parts.MovesDirectory ? 1 : 0;
        from.Attributes = PosixRules.AfterEntryChange(from.Attributes, now, -movedSubdirectories);
        to.Attributes = PosixRules.AfterEntryChange(to.Attributes, now, movedSubdirectories);
        // Linux moves the renamed object's ctime too; clients use it to notice the move.
        source.Attributes = source.Attributes with { ChangeTime = now };
        return new RenameResult(new WccData(fromBefore.ToWcc(), from.Attributes), new WccData(toBefore.ToWcc(), to.Attributes), released);
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
