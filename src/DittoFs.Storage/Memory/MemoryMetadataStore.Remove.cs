namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(_namespace.Remove(auth, parent, name.Span));
    }

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(_namespace.Rmdir(auth, parent, name.Span));
    }

    /// <summary>REMOVE's change, checked, under the locks of directory and child.</summary>
    private RemoveResult RemoveChild(Inode parent, ReadOnlySpan<byte> name, Inode child)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        parent.Entries!.Remove(name);
        parent.Attributes = PosixRules.AfterEntryChange(before, now);
        child.Attributes = PosixRules.AfterLinkCountChange(child.Attributes, now, -1);
        var released = ContentId.None;
        if (child.Attributes.LinkCount == 0)
        {
            Forget(child);
            released = child.Attributes.ContentId;
        }
        return new RemoveResult(new WccData(before.ToWcc(), parent.Attributes), released);
    }

    /// <summary>RMDIR's change, checked, under the locks of both directories.</summary>
    private WccData RemoveDirectory(Inode parent, ReadOnlySpan<byte> name, Inode child)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        parent.Entries!.Remove(name);
        parent.Attributes = PosixRules.AfterEntryChange(before, now, subdirectoryDelta: -1);
        child.Attributes = child.Attributes with { LinkCount = 0, ChangeTime = now };
        Forget(child);
        return new WccData(before.ToWcc(), parent.Attributes);
    }
}
