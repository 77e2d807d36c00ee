using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Nfs;

// READDIR, READDIRPLUS: listing a directory a page at a time (DirectoryListing does the walk).
public sealed partial class NfsService
{
    /// <summary>
    /// READDIR (RFC 1813 §3.3.16). Cookies are the store's, which stay valid while their entry exists and resume
    /// after it once it is gone; "." and ".." are 1 and 2. A cookie with a verifier the store did not hand out is
    /// NFS3ERR_BAD_COOKIE, so a client restarts its listing rather than silently repeating names. The reply's size
    /// stays within <c>count</c> (capped at rtmax).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Readdir3Res> ReaddirAsync(Readdir3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Dir, context, NfsV3Procedure.Readdir, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Readdir3Res { Status = status };
        }
        var scratch = CallScratch.Of(context);
        int limit = (int)Math.Min(arguments.Count, (uint)_options.MaxTransferSize);
        var listing = await DirectoryListing.ReadAsync(target, arguments.Cookie, Verifiers.Decode(arguments.Cookieverf),
            new ReaddirEntries(scratch, limit), ServerIdentity, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(listing.Status, NfsV3Procedure.Readdir, target);
        var directory = target.PostOp(listing.Directory);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Readdir3Res { Status = status, Resfail = new Readdir3Resfail { DirAttributes = directory } };
        }
        return new Readdir3Res
        {
            Status = status,
            Resok = new Readdir3Resok
            {
                DirAttributes = directory,
                Cookieverf = Verifiers.Encode(listing.CookieVerifier),
                Reply = new Dirlist3 { Entries = listing.Sink.Entries, Eof = listing.EndOfDirectory },
            },
        };
    }

    /// <summary>
    /// READDIRPLUS (RFC 1813 §3.3.17): READDIR with each entry's attributes and handle, within both <c>dircount</c>
    /// (names, cookies, file ids) and <c>maxcount</c> (the whole reply, capped at rtmax).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Readdirplus3Res> ReaddirplusAsync(Readdirplus3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.Dir, context, NfsV3Procedure.Readdirplus, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Readdirplus3Res { Status = status };
        }
        var scratch = CallScratch.Of(context);
        int maxCount = (int)Math.Min(arguments.Maxcount, (uint)_options.MaxTransferSize);
        int dirCount = (int)Math.Min(arguments.Dircount, (uint)_options.MaxTransferSize);
        var listing = await DirectoryListing.ReadAsync(target, arguments.Cookie, Verifiers.Decode(arguments.Cookieverf),
            new ReaddirplusEntries(target, scratch, maxCount, dirCount), ServerIdentity, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(listing.Status, NfsV3Procedure.Readdirplus, target);
        var directory = target.PostOp(listing.Directory);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Readdirplus3Res { Status = status, Resfail = new Readdirplus3Resfail { DirAttributes = directory } };
        }
        return new Readdirplus3Res
        {
            Status = status,
            Resok = new Readdirplus3Resok
            {
                DirAttributes = directory,
                Cookieverf = Verifiers.Encode(listing.CookieVerifier),
                Reply = new Dirlistplus3 { Entries = listing.Sink.Entries, Eof = listing.EndOfDirectory },
            },
        };
    }
}
