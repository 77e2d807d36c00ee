namespace DittoFs.Storage;

/// <summary>File slots of a metadata store (tfiles / ffiles / afiles of FSSTAT3, RFC 1813 §3.3.18).</summary>
public readonly record struct FileCountStats(ulong TotalFiles, ulong FreeFiles, ulong AvailableFiles);
