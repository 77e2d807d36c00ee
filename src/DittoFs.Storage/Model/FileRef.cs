namespace DittoFs.Storage;

/// <summary>
/// What a file handle carries to name a file in a store: its file id and generation. A file that is gone, or
/// a generation that is not the file's (e.g. a handle from before a memory store restarted), is Stale.
/// </summary>
public readonly record struct FileRef(ulong FileId, uint Generation)
{
    public override string ToString() => $"{FileId}.{Generation}";
}
