using System.Runtime.CompilerServices;
using DittoFs.Storage;

namespace DittoFs.Vfs;

// Attributes and reading the namespace: getattr, setattr (with size), access, lookup, readlink.
public sealed partial class VirtualFileSystem
{
    /// <summary>The attributes of <paramref name="file"/>; Stale if it is gone. Needs no permission (as stat(2) on a found file).</summary>
    public ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default) =>
        Metadata.GetAttributesAsync(file, cancellationToken);

    /// <summary>
    /// Changes attributes with setattr's checks (the metadata store's): with <paramref name="guardChangeTime"/>, NotSync
    /// unless it is the file's ctime. A size change of a regular file is recorded first, so a refused change never
    /// touches the bytes, then made in the content store; if the content store refuses it (FBig beyond what its file
    /// system holds, NoSpc, Jukebox while S3 is away), the attributes are put back as they were and the failure is
    /// answered with them unchanged. A crash between the two steps leaves the size recorded and the content not
    /// truncated, which reads as before: bytes past the content's end read as zeros.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime,
        CancellationToken cancellationToken = default)
    {
        if (changes.Size is null)
        {
            return await Metadata.SetAttributesAsync(auth, file, changes, guardChangeTime, cancellationToken).ConfigureAwait(false);
        }
        // What a failed truncation reverts to; read first, since the change's WCC data keeps only size and times.
        var original = await Metadata.GetAttributesAsync(file, cancellationToken).ConfigureAwait(false);
        var result = await Metadata.SetAttributesAsync(auth, file, changes, guardChangeTime, cancellationToken).ConfigureAwait(false);
        if (!result.IsOk || result.Value is not { Before: { } before, After: { Type: FileType.Regular } after })
        {
            return result;
        }
        // Another change between the read and this one: revert at least what the WCC data says the file was.
        var reverted = original.IsOk && original.Value.ToWcc() == before
            ? original.Value
            : after with { Size = before.Size, Used = PosixRules.UsedBytes(FileType.Regular, before.Size), ModifyTime = before.ModifyTime, ChangeTime = before.ChangeTime };
        var status = await ResizeContentAsync(file, after, reverted, cancellationToken).ConfigureAwait(false);
        return status == StoreStatus.Ok ? result : new StoreResult<WccData>(status, WccData.Unchanged(reverted));
    }

    /// <summary>
    /// Gives the content of <paramref name="file"/> the size the metadata store just recorded (<paramref name="changed"/>);
    /// if the content store refuses, puts the attributes back to <paramref name="original"/> and answers its failure.
    /// The revert is not cancelled with the call: a cancelled call must not leave a size the content does not have.
    /// </summary>
    private ValueTask<StoreStatus> ResizeContentAsync(FileRef file, in InodeAttributes changed, in InodeAttributes original, CancellationToken cancellationToken)
    {
        var truncating = Content.TruncateAsync(changed.ContentId, changed.Size, cancellationToken);
        if (!truncating.IsCompletedSuccessfully)
        {
            return ResizeContentLaterAsync(truncating, file, changed, original);
        }
        var status = truncating.Result;
        return status == StoreStatus.Ok ? new(status) : RevertAttributesAsync(status, file, changed, original);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreStatus> ResizeContentLaterAsync(ValueTask<StoreStatus> truncating, FileRef file, InodeAttributes changed, InodeAttributes original)
    {
        var status = await truncating.ConfigureAwait(false);
        return status == StoreStatus.Ok ? status : await RevertAttributesAsync(status, file, changed, original).ConfigureAwait(false);
    }

    /// <summary>The content store refused <paramref name="changed"/>'s size (<paramref name="status"/>, which is answered): the attributes go back to <paramref name="original"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreStatus> RevertAttributesAsync(StoreStatus status, FileRef file, InodeAttributes changed, InodeAttributes original)
    {
        var reverted = await Metadata.RevertAttributesAsync(file, changed, original, CancellationToken.None).ConfigureAwait(false);
        if (reverted is not (StoreStatus.Ok or StoreStatus.NotSync or StoreStatus.Stale))
        {
            LogRevertFailed(changed.FileId, changed.Size, status, reverted);
        }
        return status;
    }

    /// <summary>Which of <paramref name="requested"/> the mode bits grant <paramref name="auth"/> (only rights meaningful for the type).</summary>
    public ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default) =>
        Metadata.AccessAsync(auth, file, requested, cancellationToken);

    /// <summary>The object <paramref name="name"/> names in <paramref name="directory"/>, "." and ".." included (".." of the root is the root).</summary>
    public ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Metadata.LookupAsync(auth, directory, name, cancellationToken);

    /// <summary>A symbolic link's target as stored; Inval for an object that is not a symbolic link.</summary>
    public ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default) =>
        Metadata.ReadLinkAsync(auth, symlink, cancellationToken);
}
