namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    public ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var target))
        {
            return new(StoreStatus.Stale);
        }
        if (!TryResolve(directory, out var parent))
        {
            return new(new StoreResult<LinkResult>(StoreStatus.Stale, new LinkResult(target.Attributes, default)));
        }
        if (target.RootId != parent.RootId)
        {
            // Shares are separate file systems, even in one store.
            return new(new StoreResult<LinkResult>(StoreStatus.XDev, new LinkResult(target.Attributes, default)));
        }
        return DurableAsync(Link(auth, file.FileId, directory.FileId, name.Span));
    }

    private StoreResult<LinkResult> Link(AuthContext auth, ulong fileId, ulong parentId, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckNewName(name);
        using var locks = _locks.Enter(parentId, fileId);
        var parent = _db.GetInode(parentId);
        var file = _db.GetInode(fileId);
        if (!parent.Exists || !file.Exists)
        {
            return StoreStatus.Stale;
        }
        var before = parent.Attributes;
        var status = parent.IsDirectory ? nameStatus : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckSearch(before, auth);
        }
        if (status == StoreStatus.Ok && _db.GetEntry(parentId, name).Exists)
        {
            status = StoreStatus.Exist;
        }
        if (status == StoreStatus.Ok && file.IsDirectory)
        {
            status = StoreStatus.Perm; // link(2): no hard links to directories
        }
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckModifyDirectory(before, auth);
        }
        if (status == StoreStatus.Ok && file.Attributes.LinkCount >= PosixRules.MaxLinkCount)
        {
            status = StoreStatus.MLink;
        }
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<LinkResult>(status, new LinkResult(file.Attributes, WccData.Unchanged(before)));
        }

        var now = _clock.Now();
        var parentAfter = AddEntry(parent, now, 0, out ulong cookie);
        var fileAfter = file with { Attributes = PosixRules.AfterLinkCountChange(file.Attributes, now, +1) };
        using var batch = new MetadataBatch();
        batch.PutInode(parentAfter);
        batch.PutInode(fileAfter);
        batch.PutEntry(parentId, name, cookie, fileId);
        if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
        {
            return new StoreResult<LinkResult>(applied, new LinkResult(file.Attributes, WccData.Unchanged(before)));
        }
        return new LinkResult(fileAfter.Attributes, new WccData(before.ToWcc(), parentAfter.Attributes));
    }
}
