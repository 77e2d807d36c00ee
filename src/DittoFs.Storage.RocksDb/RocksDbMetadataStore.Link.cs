using DittoFs.Storage.RocksDb.Records;

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
        return DurableAsync(_namespace.Link(auth, file.FileId, directory.FileId, name.Span));
    }

    /// <summary>LINK's change, checked, written under the locks of directory and object as one batch.</summary>
    private StoreResult<LinkResult> AddLink(in InodeRecord parent, ReadOnlySpan<byte> name, in InodeRecord file)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        var parentAfter = AddEntry(parent, now, 0, out ulong cookie);
        var fileAfter = file with { Attributes = PosixRules.AfterLinkCountChange(file.Attributes, now, +1) };
        using var batch = new MetadataBatch();
        batch.PutInode(parentAfter);
        batch.PutInode(fileAfter);
        batch.PutEntry(parent.Id, name, cookie, file.Id);
        if (_db.Apply(batch) is var applied and not StoreStatus.Ok)
        {
            return new StoreResult<LinkResult>(applied, new LinkResult(file.Attributes, WccData.Unchanged(before)));
        }
        return new LinkResult(fileAfter.Attributes, new WccData(before.ToWcc(), parentAfter.Attributes));
    }
}
