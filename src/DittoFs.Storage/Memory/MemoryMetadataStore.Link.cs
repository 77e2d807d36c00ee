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
        return new(Link(auth, inode, parent, name.Span));
    }

    private StoreResult<LinkResult> Link(AuthContext auth, Inode inode, Inode parent, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckNewName(name);
        using var locks = InodeLocks.Enter(parent, inode);
        if (parent.IsRemoved || inode.IsRemoved)
        {
            return StoreStatus.Stale;
        }
        var before = parent.Attributes;
        var status = parent.IsDirectory ? nameStatus : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckSearch(before, auth);
        }
        if (status == StoreStatus.Ok && parent.Entries!.Find(name) is not null)
        {
            status = StoreStatus.Exist;
        }
        if (status == StoreStatus.Ok && inode.IsDirectory)
        {
            status = StoreStatus.Perm; // link(2): no hard links to directories
        }
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckModifyDirectory(before, auth);
        }
        if (status == StoreStatus.Ok && inode.Attributes.LinkCount >= PosixRules.MaxLinkCount)
        {
            status = StoreStatus.MLink;
        }
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<LinkResult>(status, new LinkResult(inode.Attributes, WccData.Unchanged(before)));
        }

        var now = _clock.Now();
        parent.Entries!.Add(name.ToArray(), inode);
        parent.Attributes = PosixRules.AfterEntryChange(before, now);
        inode.Attributes = PosixRules.AfterLinkCountChange(inode.Attributes, now, +1);
        return new LinkResult(inode.Attributes, new WccData(before.ToWcc(), parent.Attributes));
    }
}
