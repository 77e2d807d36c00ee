namespace DittoFs.Storage;

/// <summary>
/// One name in a directory listing, with the cookie that resumes a listing after it and the object's
/// attributes (enough for READDIRPLUS, including the file id and generation for its handle).
/// </summary>
public readonly record struct DirectoryEntry(ReadOnlyMemory<byte> Name, ulong Cookie, InodeAttributes Attributes);
