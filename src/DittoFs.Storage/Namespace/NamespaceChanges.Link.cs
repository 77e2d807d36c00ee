namespace DittoFs.Storage;

public readonly partial struct NamespaceChanges<TSteps, TId, TNode, TEntry>
{
    /// <summary>
    /// LINK (RFC 1813 §3.3.15) within one share; the caller answers XDev between shares. Both objects are named by
    /// the client, so nothing is found before the locks and nothing can move: no retry.
    /// </summary>
    public StoreResult<LinkResult> Link(AuthContext auth, TId file, TId directory, ReadOnlySpan<byte> name)
    {
        var nameStatus = PosixRules.CheckNewName(name);
        using var locks = Enter(directory, file);
        if (!_steps.TryRead(directory, out var parent) || !_steps.TryRead(file, out var node))
        {
            return StoreStatus.Stale;
        }
        var before = _steps.AttributesOf(parent);
        var attributes = _steps.AttributesOf(node);
        var status = before.Type == FileType.Directory ? nameStatus : StoreStatus.NotDir;
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckSearch(before, auth);
        }
        if (status == StoreStatus.Ok && !IsNone(_steps.ChildOf(_steps.Find(parent, name))))
        {
            status = StoreStatus.Exist;
        }
        if (status == StoreStatus.Ok && attributes.Type == FileType.Directory)
        {
            status = StoreStatus.Perm; // link(2): no hard links to directories
        }
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckModifyDirectory(before, auth);
        }
        if (status == StoreStatus.Ok && attributes.LinkCount >= PosixRules.MaxLinkCount)
        {
            status = StoreStatus.MLink;
        }
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<LinkResult>(status, new LinkResult(attributes, WccData.Unchanged(before)));
        }
        return _steps.ApplyLink(parent, name, node);
    }
}
