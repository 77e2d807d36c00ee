namespace DittoFs.Storage;

/// <summary>Bytes of a content store (tbytes / fbytes / abytes of FSSTAT3, RFC 1813 §3.3.18).</summary>
public readonly record struct SpaceStats(ulong TotalBytes, ulong FreeBytes, ulong AvailableBytes);
