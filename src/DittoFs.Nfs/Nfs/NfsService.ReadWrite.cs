using System.Runtime.CompilerServices;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage;

namespace DittoFs.Nfs;

// READ, WRITE, COMMIT: file data.
public sealed partial class NfsService
{
    /// <summary>
    /// READs from this size up are lent by a content store that can and sent from where the bytes lie; smaller ones
    /// are read, and the RPC layer copies data this small into the reply buffer anyway, which costs less than the
    /// separate send a reply with out-of-line data needs.
    /// </summary>
    private const int MinLentRead = 32 * 1024;

    /// <summary>
    /// READ (RFC 1813 §3.3.6): at most rtmax bytes, read by the file system into the reply's data
    /// (<see cref="CallScratch.ReadBuffer"/>: a buffer the reply owns, or, at <see cref="MinLentRead"/> and up from a
    /// store that lends, the store's own memory); where the data lands in the reply is the RPC layer's business
    /// (<see cref="ReplyData"/>). eof is set when the read reaches the end of the file.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Read3Res> ReadAsync(Read3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.File, context, NfsV3Procedure.Read, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Read3Res { Status = status };
        }
        var buffer = CallScratch.Of(context).ReadBuffer(context.ReplyData, MinLentRead);
        int count = (int)Math.Min(arguments.Count, (uint)_options.MaxTransferSize);
        var read = await target.FileSystem.ReadAsync(target.Auth, target.File, arguments.Offset, count, buffer, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(read.Status, NfsV3Procedure.Read, target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            buffer.Drop();
            return ReadFailure(status, target.PostOp(read.Value.File));
        }
        return new Read3Res
        {
            Status = status,
            Resok = new Read3Resok
            {
                FileAttributes = target.PostOp(read.Value.File),
                Count = (uint)read.Value.Count,
                Eof = read.Value.EndOfFile,
                Data = buffer.Data,
            },
        };
    }

    /// <summary>
    /// WRITE (RFC 1813 §3.3.7): the file system checks the caller and range, stores the bytes and records the new
    /// size and times (the WCC data of the reply). UNSTABLE data may stay volatile until COMMIT; DATA_SYNC and
    /// FILE_SYNC are answered FILE_SYNC (a server may always commit more than asked), the bytes and the size they
    /// made both durable. The verifier lets clients notice a restart and resend unstable data.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Write3Res> WriteAsync(Write3Args arguments, RpcCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var status = OpenForChange(arguments.File, context, NfsV3Procedure.Write, out var target);
        if (status == Nfsstat3.Nfs3Ok && (uint)arguments.Data.Length != arguments.Count)
        {
            // count and the data's length must agree (Linux nfsd rejects the call too); which one to trust is a guess.
            status = Nfsstat3.Nfs3errInval;
            LogFailure(NfsV3Procedure.Write, target.File, status);
        }
        if (status != Nfsstat3.Nfs3Ok)
        {
            var refused = await RefusalWccAsync(status, target, cancellationToken).ConfigureAwait(false);
            return WriteFailure(status, refused);
        }
        bool stable = arguments.Stable != StableHow.Unstable;
        var written = await target.FileSystem.WriteAsync(target.Auth, target.File, arguments.Offset, arguments.Data, stable, cancellationToken).ConfigureAwait(false);
        status = Outcome(written.Status, NfsV3Procedure.Write, target);
        var wcc = target.Wcc(written.Value);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return WriteFailure(status, wcc);
        }
        return new Write3Res
        {
            Status = status,
            Resok = new Write3Resok { FileWcc = wcc, Count = arguments.Count, Committed = stable ? StableHow.FileSync : StableHow.Unstable, Verf = WriteVerifier.Bytes },
        };
    }

    private static Read3Res ReadFailure(Nfsstat3 status, in PostOpAttr attributes) =>
        new() { Status = status, Resfail = new Read3Resfail { FileAttributes = attributes } };

    private static Write3Res WriteFailure(Nfsstat3 status, in DittoFs.Protocol.WccData wcc) =>
        new() { Status = status, Resfail = new Write3Resfail { FileWcc = wcc } };

    /// <summary>
    /// COMMIT (RFC 1813 §3.3.21): makes every write taken so far durable, bytes and the sizes they made, which covers
    /// any requested range (the range is not checked). Needs the same right as WRITE (as Linux nfsd), checked by the
    /// file system; allowed on read-only exports, since it changes nothing a client can see. Returns the same
    /// verifier as WRITE.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Commit3Res> CommitAsync(Commit3Args arguments, RpcCallContext context)
    {
        var status = Open(arguments.File, context, NfsV3Procedure.Commit, out var target);
        if (status != Nfsstat3.Nfs3Ok)
        {
            return new Commit3Res { Status = status };
        }
        var committed = await target.FileSystem.CommitAsync(target.Auth, target.File, context.CancellationToken).ConfigureAwait(false);
        status = Outcome(committed.Status, NfsV3Procedure.Commit, target);
        var wcc = target.Wcc(committed.Value);
        return status != Nfsstat3.Nfs3Ok
            ? new Commit3Res { Status = status, Resfail = new Commit3Resfail { FileWcc = wcc } }
            : new Commit3Res { Status = status, Resok = new Commit3Resok { FileWcc = wcc, Verf = WriteVerifier.Bytes } };
    }
}
