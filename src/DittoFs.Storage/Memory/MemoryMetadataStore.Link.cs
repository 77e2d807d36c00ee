namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode))
        {
            return new(StoreStatus.Stale);
        }
        if (!TryResolve(directory, out var parent))
        {
            return new(new StoreResult<LinkResult>(StoreStatus.Stale, new LinkResult(TrySnapshot(inode, out var attributes) ? attributes : null, default)));
        }
        if (inode.RootId != parent.RootId)
        {
            // Shares are separate file systems, even in one store.
            return new(new StoreResult<LinkResult>(StoreStatus.XDev, new LinkResult(TrySnapshot(inode, out var attributes) ? attributes : null, default)));
        }
        return new(_namespace.Link(auth, inode, parent, name.Span));
    }

    /// <summary>LINK's change, checked, under the locks of directory and object.</summary>
    private LinkResult AddLink(Inode parent, ReadOnlySpan<byte> name, Inode inode)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        parent.Entries!.Add(name.ToArray(), inode);
        parent.Attributes = PosixRules.AfterEntryChange(before, now);
        inode.Attributes = PosixRules.AfterLinkCountChange(inode.Attributes, now, +1);
        return new LinkResult(inode.Attributes, new WccData(before.ToWcc(), parent.Attributes));
    }
}
