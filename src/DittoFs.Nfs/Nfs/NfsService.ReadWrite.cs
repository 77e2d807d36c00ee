using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// READ, WRITE, COMMIT: file data.
public sealed partial class NfsService
{
    /// <summary>
    /// READs from this size up are lent by a store that can (<see cref="IContentLending"/>) and sent from where the
    /// bytes lie; smaller ones are read, and the RPC layer copies data this small into the reply buffer anyway, which
    /// costs less than the separate send a reply with out-of-line data needs.
    /// </summary>
    private const int MinLentRead = 32 * 1024;

    /// <summary>
    /// READ (RFC 1813 §3.3.6). The store checks the caller may read a regular file and gives its size; the bytes that
    /// exist below that size (at most rtmax) are either read into a buffer the reply owns and sent from there
    /// (<see cref="ReadDestination"/>), or, for a large READ from a store that lends its bytes
    /// (<see cref="IContentLending"/>), sent from where the store keeps them; where the data lands in the reply is the
    /// RPC layer's business (<see cref="ReplyData"/>). Whatever the content store does not have (holes, or content
    /// shorter than the size after a truncate that grew the file) reads as zeros. eof is set when the read reaches the
    /// end of the file.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Read3Res> ReadAsync(Read3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = Open(arguments.File, context, NfsV3Procedure.Read, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Read3Res { Status = status };
        }
        var prepared = await target.Metadata.PrepareReadAsync(target.Auth, target.File, cancellationToken).ConfigureAwait(false);
        status = Outcome(prepared.Status, NfsV3Procedure.Read, target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return ReadFailure(status, target.PostOp(prepared.Value));
        }

        var file = prepared.Value;
        ulong offset = arguments.Offset;
        ulong available = offset < file.Size ? file.Size - offset : 0;
        int length = (int)Math.Min(Math.Min(arguments.Count, (uint)_options.MaxTransferSize), available);
        var result = new Read3Res
        {
            Status = status,
            Resok = new Read3Resok
            {
                FileAttributes = target.PostOp(file),
                Count = (uint)length,
                Eof = offset + (ulong)length >= file.Size,
            },
        };
        if (length >= MinLentRead && target.Content is IContentLending lending && context.ReplyData is { } reply)
        {
            // Sent from where the store keeps the bytes, not copied into the reply (see IContentLending).
            var lent = await lending.LendAsync(file.ContentId, offset, length, CallScratch.Begin(context).Borrower(reply), cancellationToken).ConfigureAwait(false);
            status = Outcome(lent.Status, NfsV3Procedure.Read, target);
            if (status != Nfsstat3.Nfs3Ok)
            {
                reply.Drop();
                return ReadFailure(status, target.PostOp(file));
            }
            reply.AddZeros(length - lent.Value);
            result.Resok.Data = reply.Opaque;
            return result;
        }
        var data = ReadDestination(context, length);
        if (length > 0)
        {
            var read = await target.Content.ReadAsync(file.ContentId, offset, data, cancellationToken).ConfigureAwait(false);
            status = Outcome(read.Status, NfsV3Procedure.Read, target);
            if (status != Nfsstat3.Nfs3Ok)
            {
                context.ReplyData?.Drop();
                return ReadFailure(status, target.PostOp(file));
            }
            data.Span[read.Value..].Clear();
        }
        result.Resok.Data = data;
        return result;
    }

    /// <summary>
    /// Where READ data goes: through the RPC server, into a buffer the reply owns, which it sends from there, so the
    /// data is written once; called directly, into a pooled buffer of the call.
    /// </summary>
    private static Memory<byte> ReadDestination(RpcCallContext context, int length) =>
        context.ReplyData is { } reply ? reply.Buffer(length) : CallScratch.Begin(context).Data(length);

    /// <summary>
    /// WRITE (RFC 1813 §3.3.7): the store checks the caller and range, the content store takes the bytes, and the
    /// store then records the new size and times (the WCC data of the reply). UNSTABLE data, and the size it made,
    /// may stay volatile until COMMIT; DATA_SYNC and FILE_SYNC flush the bytes before the size is recorded and the
    /// size after, so the reply's FILE_SYNC (a server may always commit more than asked) covers both. The verifier
    /// lets clients notice a restart and resend unstable data.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Write3Res> WriteAsync(Write3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.File, context, NfsV3Procedure.Write, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return WriteFailure(status, refused);
        }
        uint count = arguments.Count;
        var prepared = await target.Metadata.PrepareWriteAsync(target.Auth, target.File, arguments.Offset, count, cancellationToken).ConfigureAwait(false);
        var storeStatus = prepared.Status;
        if (storeStatus == StoreStatus.Ok && (uint)arguments.Data.Length != count)
        {
            // count and the data's length must agree (Linux nfsd rejects the call too); which one to trust is a guess.
            storeStatus = StoreStatus.Inval;
        }
        var file = prepared.Value;
        if (storeStatus == StoreStatus.Ok)
        {
            storeStatus = await target.Content.WriteAsync(file.ContentId, arguments.Offset, arguments.Data, cancellationToken).ConfigureAwait(false);
            if (storeStatus == StoreStatus.NoSpc && _releaser is not null)
            {
                // The room a REMOVE gave back may still be queued for deletion (ContentReleaser): once it is gone, once more.
                await _releaser.DeletedSoFarAsync().ConfigureAwait(false);
                storeStatus = await target.Content.WriteAsync(file.ContentId, arguments.Offset, arguments.Data, cancellationToken).ConfigureAwait(false);
            }
        }
        bool stable = arguments.Stable != StableHow.Unstable;
        if (storeStatus == StoreStatus.Ok && stable)
        {
            storeStatus = await target.Content.FlushAsync(file.ContentId, cancellationToken).ConfigureAwait(false);
        }
        if (storeStatus != StoreStatus.Ok)
        {
            status = Outcome(storeStatus, NfsV3Procedure.Write, target);
            return WriteFailure(status, file.FileId == 0 ? default : target.Wcc(DittoFs.Storage.WccData.Unchanged(file)));
        }

        var recorded = await target.Metadata.CommitWriteAsync(target.Auth, target.File, arguments.Offset, count, cancellationToken).ConfigureAwait(false);
        if (recorded.Status == StoreStatus.Stale)
        {
            // Removed while the data was written: the content store just recreated bytes nobody can reach.
            await ReleaseContentAsync(target, file.ContentId, NfsV3Procedure.Write, cancellationToken).ConfigureAwait(false);
        }
        storeStatus = recorded.Status;
        if (storeStatus == StoreStatus.Ok && stable)
        {
            storeStatus = await target.Metadata.FlushAsync(target.File, cancellationToken).ConfigureAwait(false);
        }
        status = Outcome(storeStatus, NfsV3Procedure.Write, target);
        var wcc = target.Wcc(recorded.Value);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return WriteFailure(status, wcc);
        }
        return new Write3Res
        {
            Status = status,
            Resok = new Write3Resok { FileWcc = wcc, Count = count, Committed = stable ? StableHow.FileSync : StableHow.Unstable, Verf = WriteVerifier.Bytes },
        };
    }

    private static Read3Res ReadFailure(Nfsstat3 status, in PostOpAttr attributes) =>
        new() { Status = status, Resfail = new Read3Resfail { FileAttributes = attributes } };

    private static Write3Res WriteFailure(Nfsstat3 status, in DittoFs.Protocol.WccData wcc) =>
        new() { Status = status, Resfail = new Write3Resfail { FileWcc = wcc } };

    /// <summary>
    /// COMMIT (RFC 1813 §3.3.21): makes every write taken so far durable, bytes and the sizes they made, which covers
    /// any requested range. Needs the same right as WRITE (as Linux nfsd), checked by the store; allowed on read-only
    /// exports, since it changes nothing a client can see. Returns the same verifier as WRITE.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Commit3Res> CommitAsync(Commit3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = Open(arguments.File, context, NfsV3Procedure.Commit, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Commit3Res { Status = status };
        }
        // The range is not checked: the flushes cover the whole file whatever it says.
        var prepared = await target.Metadata.PrepareWriteAsync(target.Auth, target.File, 0, 0, cancellationToken).ConfigureAwait(false);
        var before = prepared.Value;
        var storeStatus = prepared.Status;
        if (storeStatus == StoreStatus.Ok)
        {
            storeStatus = await FlushFileAsync(target, before.ContentId, cancellationToken).ConfigureAwait(false);
        }
        var after = before;
        if (storeStatus == StoreStatus.Ok)
        {
            // Writes may have landed since the check; the reply's post-op attributes are the current ones.
            var current = await target.Metadata.GetAttributesAsync(target.File, cancellationToken).ConfigureAwait(false);
            storeStatus = current.Status;
            after = current.IsOk ? current.Value : before;
        }
        status = Outcome(storeStatus, NfsV3Procedure.Commit, target);
        var wcc = before.FileId == 0 ? default : target.Wcc(new DittoFs.Storage.WccData(before.ToWcc(), after));
        return status != Nfsstat3.Nfs3Ok
            ? new Commit3Res { Status = status, Resfail = new Commit3Resfail { FileWcc = wcc } }
            : new Commit3Res { Status = status, Resok = new Commit3Resok { FileWcc = wcc, Verf = WriteVerifier.Bytes } };
    }

    /// <summary>
    /// Makes a file's bytes and the size and times they made durable, for COMMIT. Both flushes start before either
    /// is awaited: the metadata store's WAL sync and the content's fsync then overlap, and on a journaling file
    /// system can share a journal commit, instead of one waiting for the other (a COMMIT of a new small file waited
    /// for two syncs in a row). Nothing is acknowledged before both have finished. (A FILE_SYNC
    /// WRITE keeps its order, bytes flushed before the size is recorded, so a failed flush leaves the size alone.)
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<StoreStatus> FlushFileAsync(CallTarget target, ContentId content, CancellationToken cancellationToken)
    {
        var metadata = target.Metadata.FlushAsync(target.File, cancellationToken);
        var contentStatus = await target.Content.FlushAsync(content, cancellationToken).ConfigureAwait(false);
        var metadataStatus = await metadata.ConfigureAwait(false);
        return contentStatus != StoreStatus.Ok ? contentStatus : metadataStatus;
    }

    /// <summary>
    /// The content of a file whose last name a REMOVE or RENAME took (or bytes a WRITE recreated for such a file):
    /// queued for deletion when the server runs a <see cref="ContentReleaser"/> (the reply then does not wait for
    /// it), deleted here otherwise; either way the metadata store is told once it is gone, so it stops listing it as
    /// released. The enqueue is not cancelled with the call: the name is already gone, and giving up would leave the
    /// bytes behind.
    /// </summary>
    private ValueTask ReleaseContentAsync(CallTarget target, ContentId content, NfsV3Procedure procedure, CancellationToken cancellationToken) =>
        content.IsNone ? default
        : _releaser is not null ? _releaser.ReleaseAsync(target.Metadata, target.Content, content, CancellationToken.None)
        : DeleteReleasedContentAsync(target, content, procedure, cancellationToken);

    /// <summary>
    /// Deletes the content of a file whose last name went; a failure is logged, not answered, and leaves the content
    /// listed as released for the next start. Dropping that listing needs no sync (deleting again is harmless).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DeleteReleasedContentAsync(CallTarget target, ContentId content, NfsV3Procedure procedure, CancellationToken cancellationToken)
    {
        var status = await target.Content.DeleteAsync(content, cancellationToken).ConfigureAwait(false);
        if (status != StoreStatus.Ok)
        {
            LogContentLeak(procedure, content, status);
            return;
        }
        await target.Metadata.ContentDeletedAsync(content, CancellationToken.None).ConfigureAwait(false);
    }
}
