namespace DittoFs.Storage;

/// <summary>
/// What a file handle carries to name a file in a store: its file id and generation. A file that is gone, or
/// a generation that is not the file's (e.g. a handle from before a memory store restarted), is Stale.
/// <para>
/// <see cref="Root"/> scopes the reference to one share: one store may hold several shares, each under its own
/// root, and every object belongs to exactly one of them (links and renames never cross roots: XDev). A scoped
/// reference to an object under another root is Stale, exactly as if the object did not exist, so a client
/// admitted to one share cannot reach another share's files by writing their file ids into a handle. The NFS layer
/// scopes every reference it builds from a client's handle; references a store hands out are unscoped.
/// </para>
/// </summary>
public readonly record struct FileRef(ulong FileId, uint Generation)
{
    /// <summary>File id of the share root this reference must lie under; 0 for an unscoped reference.</summary>
    public ulong Root { get; init; }

    /// <summary>This reference, scoped to the share whose root is <paramref name="root"/>.</summary>
    public FileRef Within(FileRef root) => this with { Root = root.FileId };

    public override string ToString() => Root == 0 ? $"{FileId}.{Generation}" : $"{FileId}.{Generation} under {Root}";
}
