using System.Text;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>One directory entry; attributes and handle when READDIRPLUS returned them.</summary>
internal readonly record struct DirectoryEntry(string Name, ulong FileId, Fattr3? Attributes, NfsFh3? Handle);

/// <summary>
/// Lists a whole directory page by page: READDIRPLUS (RFC 1813 §3.3.17), each page continuing at the last
/// entry's cookie with the cookie verifier of the previous reply, until EOF. A server that does not support
/// READDIRPLUS (NFS3ERR_NOTSUPP) is listed with READDIR (§3.3.16) instead, without attributes.
/// </summary>
internal static class DirectoryLister
{
    /// <summary>Bytes of names and cookies per page (READDIRPLUS dircount; READDIR count).</summary>
    public const uint DirCount = 64 * 1024;

    /// <summary>Bytes of the whole READDIRPLUS reply, attributes and handles included.</summary>
    public const uint MaxCount = 512 * 1024;

    /// <summary>Pages at most: a server whose cookies never reach EOF must not loop forever.</summary>
    private const int MaxPages = 1_000_000;

    public static async Task<List<DirectoryEntry>> ListAsync(NfsSession session, NfsFh3 directory, string path, CancellationToken cancellationToken)
    {
        var entries = new List<DirectoryEntry>();
        ulong cookie = 0;
        InlineOpaque<InlineBytes8> verifier = new byte[Nfs3Constants.Nfs3Cookieverfsize];
        for (int page = 0; page < MaxPages; page++)
        {
            var result = await session.Nfs.ReaddirplusAsync(new Readdirplus3Args
            {
                Dir = directory,
                Cookie = cookie,
                Cookieverf = verifier,
                Dircount = DirCount,
                Maxcount = MaxCount,
            }, cancellationToken).ConfigureAwait(false);
            if (result.Status == Nfsstat3.Nfs3errNotsupp && page == 0)
                return await ListWithReaddirAsync(session, directory, path, cancellationToken).ConfigureAwait(false);
            NfsException.ThrowIfFailed(result.Status, "READDIRPLUS", path);
            foreach (var entry in result.Resok.Reply.Entries)
            {
                entries.Add(new DirectoryEntry(
                    Encoding.UTF8.GetString(entry.Name.Span),
                    entry.Fileid,
                    entry.NameAttributes.AttributesFollow ? entry.NameAttributes.Attributes : null,
                    entry.NameHandle.HandleFollows ? entry.NameHandle.Handle : null));
                cookie = entry.Cookie;
            }
            verifier = result.Resok.Cookieverf;
            if (result.Resok.Reply.Eof)
                return entries;
            if (result.Resok.Reply.Entries.Count == 0)
                throw new ProtocolViolationException($"{path}: READDIRPLUS returned no entries and no EOF (the reply size may be too small)");
        }
        throw new ProtocolViolationException($"{path}: the listing did not end after {MaxPages} pages");
    }

    private static async Task<List<DirectoryEntry>> ListWithReaddirAsync(NfsSession session, NfsFh3 directory, string path, CancellationToken cancellationToken)
    {
        var entries = new List<DirectoryEntry>();
        ulong cookie = 0;
        InlineOpaque<InlineBytes8> verifier = new byte[Nfs3Constants.Nfs3Cookieverfsize];
        for (int page = 0; page < MaxPages; page++)
        {
            var result = await session.Nfs.ReaddirAsync(new Readdir3Args { Dir = directory, Cookie = cookie, Cookieverf = verifier, Count = DirCount }, cancellationToken).ConfigureAwait(false);
            NfsException.ThrowIfFailed(result.Status, "READDIR", path);
            foreach (var entry in result.Resok.Reply.Entries)
            {
                entries.Add(new DirectoryEntry(Encoding.UTF8.GetString(entry.Name.Span), entry.Fileid, null, null));
                cookie = entry.Cookie;
            }
            verifier = result.Resok.Cookieverf;
            if (result.Resok.Reply.Eof)
                return entries;
            if (result.Resok.Reply.Entries.Count == 0)
                throw new ProtocolViolationException($"{path}: READDIR returned no entries and no EOF");
        }
        throw new ProtocolViolationException($"{path}: the listing did not end after {MaxPages} pages");
    }

    /// <summary>Whether a name is "." or "..", which every listing has and which commands skip.</summary>
    public static bool IsDotOrDotDot(string name) => name is "." or "..";
}
