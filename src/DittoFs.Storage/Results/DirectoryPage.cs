namespace DittoFs.Storage;

/// <summary>
/// A page of a directory listing: how many entries were written to the caller's buffer, whether they reach the
/// end, the cookie verifier to hand the client, and the directory's attributes (also on failure, where known).
/// </summary>
public readonly record struct DirectoryPage(int Count, bool EndOfDirectory, ulong CookieVerifier, InodeAttributes? Directory);
