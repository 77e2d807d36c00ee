namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    /// <summary>
    /// Reads the directory, its entry and the child one after another without locks. A child removed in between
    /// is reported as not found, as if the LOOKUP had come a moment later.
    /// </summary>
    public ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        var nameSpan = name.Span;
        var parentAttributes = parent.Attributes;
        var status = parent.IsDirectory ? PosixRules.CheckNameSyntax(nameSpan) : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckSearch(parentAttributes, auth);
        }
        if (status != StoreStatus.Ok)
        {
            return new(new StoreResult<LookupResult>(status, new LookupResult(default, parentAttributes)));
        }
        if (PosixRules.IsDot(nameSpan))
        {
            return new(new LookupResult(parentAttributes, parentAttributes));
        }
        ulong childId = PosixRules.IsDotDot(nameSpan) ? parent.ParentId : _db.GetEntry(parent.Id, nameSpan).ChildId;
        var child = childId == 0 ? default : _db.GetInode(childId);
        if (!child.Exists)
        {
            return new(new StoreResult<LookupResult>(StoreStatus.NoEnt, new LookupResult(default, parentAttributes)));
        }
        return new(new LookupResult(child.Attributes, parentAttributes));
    }
}
