using System.Buffers;
using System.Runtime.CompilerServices;
using DittoFs.Storage;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// Walks a directory for READDIR and READDIRPLUS (v3) and READDIR (v4) from a client's cookie: for v3 "." and ".."
/// first (the store never lists them; they take cookies <see cref="DirectoryCookie.Dot"/> and <see cref="DirectoryCookie.DotDot"/>), then the
/// store's entries in cookie order, asked for in batches sized to the room left, until the reply is full or the
/// directory ends. The sink decides what fits; eof is claimed only when every entry was taken.
/// </summary>
internal static class DirectoryListing
{
    /// <summary>An 8-byte placeholder for sizing a reply before its cookie verifier is known.</summary>
    public static readonly InlineOpaque<InlineBytes8> NoVerifier = Verifiers.Encode(0);

    private static readonly ReadOnlyMemory<byte> DotName = "."u8.ToArray();
    private static readonly ReadOnlyMemory<byte> DotDotName = ".."u8.ToArray();

    /// <param name="parentReader">Who reads ".." for its file id: the server, since listing needs read permission but a lookup needs search.</param>
    /// <param name="withDots">Whether the listing has "." and ".." (NFSv3's do; NFSv4's never, RFC 7530 §16.24).</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Listing<TSink>> ReadAsync<TSink>(CallTarget target, ulong cookie, ulong cookieVerifier, TSink sink, AuthContext parentReader,
        CancellationToken cancellationToken, bool withDots = true)
        where TSink : struct, IDirectorySink
    {
        int dots = !withDots ? 0 : cookie switch
        {
            DirectoryCookie.Start => 2,
            DirectoryCookie.Dot => 1,
            _ => 0,
        };
        var batch = ArrayPool<DirectoryEntry>.Shared.Rent(dots + sink.SuggestedBatchSize);
        try
        {
            var page = await target.FileSystem.ReadDirectoryAsync(target.Auth, target.File, cookie, cookieVerifier, batch.AsMemory(dots), cancellationToken)
                .ConfigureAwait(false);
            var directory = page.Value.Directory;
            if (!page.IsOk)
            {
                return new Listing<TSink>(page.Status, sink, false, 0, directory);
            }
            if (directory is null)
            {
                var attributes = await target.FileSystem.GetAttributesAsync(target.File, cancellationToken).ConfigureAwait(false);
                if (!attributes.IsOk)
                {
                    return new Listing<TSink>(attributes.Status, sink, false, 0, null);
                }
                directory = attributes.Value;
            }
            sink.Begin(target.PostOp(directory));
            if (!sink.Fits)
            {
                return new Listing<TSink>(StoreStatus.TooSmall, sink, false, 0, directory);
            }

            if (dots > 0)
            {
                var parent = await target.FileSystem.LookupAsync(parentReader, target.File, DotDotName, cancellationToken).ConfigureAwait(false);
                if (!parent.IsOk)
                {
                    return new Listing<TSink>(parent.Status, sink, false, 0, directory);
                }
                if (dots == 2)
                {
                    batch[0] = new DirectoryEntry(DotName, DirectoryCookie.Dot, directory.Value);
                }
                batch[dots - 1] = new DirectoryEntry(DotDotName, DirectoryCookie.DotDot, parent.Value.File);
            }

            ulong verifier = page.Value.CookieVerifier;
            int available = dots + page.Value.Count;
            bool endOfDirectory = page.Value.EndOfDirectory;
            while (true)
            {
                for (int i = 0; i < available; i++)
                {
                    if (!sink.TryAdd(batch[i]))
                    {
                        return Finish(sink, endOfDirectory: false, verifier, directory);
                    }
                }
                if (endOfDirectory || available == 0)
                {
                    break;
                }
                ulong last = batch[available - 1].Cookie;
                page = await target.FileSystem.ReadDirectoryAsync(target.Auth, target.File, last, verifier,
                    batch.AsMemory(0, Math.Min(batch.Length, sink.SuggestedBatchSize)), cancellationToken).ConfigureAwait(false);
                if (!page.IsOk)
                {
                    // What was collected is still a correct page; the client asks again from its last cookie.
                    return Finish(sink, endOfDirectory: false, verifier, directory);
                }
                available = page.Value.Count;
                endOfDirectory = page.Value.EndOfDirectory;
            }
            return Finish(sink, endOfDirectory, verifier, directory);
        }
        finally
        {
            ArrayPool<DirectoryEntry>.Shared.Return(batch, clearArray: true);
        }
    }

    /// <summary>RFC 1813 §3.3.16: a reply that cannot hold a single entry (and is not the end) is NFS3ERR_TOOSMALL.</summary>
    private static Listing<TSink> Finish<TSink>(in TSink sink, bool endOfDirectory, ulong verifier, InodeAttributes? directory)
        where TSink : struct, IDirectorySink =>
        sink.Count == 0 && !endOfDirectory
            ? new Listing<TSink>(StoreStatus.TooSmall, sink, false, verifier, directory)
            : new Listing<TSink>(StoreStatus.Ok, sink, endOfDirectory, verifier, directory);
}

/// <summary>The outcome of <see cref="DirectoryListing.ReadAsync{TSink}"/>: status, the filled sink, and what the reply needs besides.</summary>
internal readonly record struct Listing<TSink>(StoreStatus Status, TSink Sink, bool EndOfDirectory, ulong CookieVerifier, InodeAttributes? Directory)
    where TSink : struct, IDirectorySink;
