using System.Runtime.CompilerServices;
using DittoFs.Storage;

namespace DittoFs.Vfs;

// Changing the namespace: create, mkdir, symlink, mknod, remove, rmdir, rename, link. Every change is durable when it
// returns (the metadata store's promise); content a removal released is deleted here (ReleaseContentAsync).
public sealed partial class VirtualFileSystem
{
    /// <summary>
    /// Creates a regular file (<see cref="IMetadataStore.CreateAsync"/>: Unchecked, Guarded, or Exclusive with its
    /// <paramref name="verifier"/>). A requested size (Unchecked on an existing file is how O_TRUNC arrives) is given
    /// to the content as well; if the content store refuses it, the file's attributes are put back (an existing file
    /// as it was, a new one empty) and the failure is answered.
    /// </summary>
    /// <remarks>
    /// Without a size the store's call is returned as it is: an async method here, with the store's code inlined into
    /// its state machine, had a 21 KB frame zeroed on every create.
    /// </remarks>
    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode,
        SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default) =>
        attributes.Size is null || mode == CreateMode.Exclusive
            ? Metadata.CreateAsync(auth, directory, name, mode, attributes, verifier, cancellationToken)
            : CreateSizedAsync(auth, directory, name, mode, attributes, verifier, cancellationToken);

    /// <remarks>
    /// Runs without an async method while each store answers at once (the in-memory stores always do): one async method
    /// holding the three answers (lookup, create, ~300 bytes each with their awaiters) had a frame of over 10 KB,
    /// zeroed on every sized create (an NFSv4 OPEN that creates, which Linux sends with a size of 0).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<StoreResult<CreateResult>> CreateSizedAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode,
        SetAttributes attributes, ulong verifier, CancellationToken cancellationToken)
    {
        // What a failed truncation reverts to when the name already exists (Unchecked then resizes that file).
        var looking = Metadata.LookupAsync(auth, directory, name, cancellationToken);
        if (!looking.IsCompletedSuccessfully)
        {
            return CreateSizedLaterAsync(looking, auth, directory, name, mode, attributes, verifier, cancellationToken);
        }
        var existing = ExistingFile(looking.Result);
        var creating = Metadata.CreateAsync(auth, directory, name, mode, attributes, verifier, cancellationToken);
        return creating.IsCompletedSuccessfully
            ? ResizeCreated(creating.Result, existing, cancellationToken)
            : ResizeCreatedLaterAsync(creating, existing, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreResult<CreateResult>> CreateSizedLaterAsync(ValueTask<StoreResult<LookupResult>> looking, AuthContext auth, FileRef directory,
        ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken)
    {
        var existing = ExistingFile(await looking.ConfigureAwait(false));
        var result = await Metadata.CreateAsync(auth, directory, name, mode, attributes, verifier, cancellationToken).ConfigureAwait(false);
        return await ResizeCreated(result, existing, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreResult<CreateResult>> ResizeCreatedLaterAsync(ValueTask<StoreResult<CreateResult>> creating, InodeAttributes? existing,
        CancellationToken cancellationToken) =>
        await ResizeCreated(await creating.ConfigureAwait(false), existing, cancellationToken).ConfigureAwait(false);

    private static InodeAttributes? ExistingFile(in StoreResult<LookupResult> lookup) => lookup.IsOk ? lookup.Value.File : null;

    /// <summary>A sized create's second step: the content gets the size the store recorded (<see cref="ResizeContentAsync"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<StoreResult<CreateResult>> ResizeCreated(in StoreResult<CreateResult> result, in InodeAttributes? existing, CancellationToken cancellationToken)
    {
        if (!result.IsOk)
        {
            return new(result);
        }
        var file = result.Value.File;
        var original = existing is { } found && found.FileId == file.FileId
            ? found
            : file with { Size = 0, Used = PosixRules.UsedBytes(FileType.Regular, 0) };
        var resizing = ResizeContentAsync(file.Ref, file, original, cancellationToken);
        return resizing.IsCompletedSuccessfully ? new(WithStatus(result, resizing.Result)) : AfterResizeAsync(resizing, result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<StoreResult<CreateResult>> AfterResizeAsync(ValueTask<StoreStatus> resizing, StoreResult<CreateResult> result) =>
        WithStatus(result, await resizing.ConfigureAwait(false));

    private static StoreResult<CreateResult> WithStatus(in StoreResult<CreateResult> result, StoreStatus status) =>
        status == StoreStatus.Ok ? result : new StoreResult<CreateResult>(status, result.Value);

    /// <summary>Creates a directory.</summary>
    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes,
        CancellationToken cancellationToken = default) =>
        Metadata.MkdirAsync(auth, directory, name, attributes, cancellationToken);

    /// <summary>Creates a symbolic link to <paramref name="target"/>, kept as given (Inval if empty or containing NUL).</summary>
    public ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target,
        SetAttributes attributes, CancellationToken cancellationToken = default) =>
        Metadata.SymlinkAsync(auth, directory, name, target, attributes, cancellationToken);

    /// <summary>Creates a FIFO, a socket, or (root only) a block or character device; BadType for other types.</summary>
    public ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type,
        SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default) =>
        Metadata.MknodAsync(auth, directory, name, type, attributes, device, cancellationToken);

    /// <summary>Removes a non-directory's name (IsDir for a directory); when its last name goes, its content is released.</summary>
    /// <remarks>Without an async method while the stores answer at once, for the reason <see cref="CreateSizedAsync"/> gives.</remarks>
    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default)
    {
        var removing = Metadata.RemoveAsync(auth, directory, name, cancellationToken);
        if (!removing.IsCompletedSuccessfully)
        {
            return RemoveLaterAsync(removing, cancellationToken);
        }
        var result = removing.Result;
        if (!result.IsOk)
        {
            return new(result);
        }
        var releasing = ReleaseRemovedContentAsync(result.Value.ReleasedContent, cancellationToken);
        if (!releasing.IsCompletedSuccessfully)
        {
            return AfterReleaseAsync(releasing, result);
        }
        releasing.GetAwaiter().GetResult(); // a pooled source is given back only when its result is taken
        return new(result);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreResult<RemoveResult>> RemoveLaterAsync(ValueTask<StoreResult<RemoveResult>> removing, CancellationToken cancellationToken)
    {
        var result = await removing.ConfigureAwait(false);
        if (result.IsOk)
        {
            await ReleaseRemovedContentAsync(result.Value.ReleasedContent, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<StoreResult<T>> AfterReleaseAsync<T>(ValueTask releasing, StoreResult<T> result)
    {
        await releasing.ConfigureAwait(false);
        return result;
    }

    /// <summary>Removes an empty directory (NotDir for anything else, NotEmpty, Inval for ".").</summary>
    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Metadata.RmdirAsync(auth, directory, name, cancellationToken);

    /// <summary>
    /// rename(2): an existing compatible target is replaced atomically (its content released if that was its last
    /// name), and renaming a file onto another name of itself succeeds doing nothing.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<StoreResult<RenameResult>> RenameAsync(AuthContext auth, FileRef fromDirectory, ReadOnlyMemory<byte> fromName, FileRef toDirectory,
        ReadOnlyMemory<byte> toName, CancellationToken cancellationToken = default)
    {
        var result = await Metadata.RenameAsync(auth, fromDirectory, fromName, toDirectory, toName, cancellationToken).ConfigureAwait(false);
        if (result.IsOk)
        {
            await ReleaseRemovedContentAsync(result.Value.ReleasedContent, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>A new name for a non-directory (Perm for a directory, as link(2)).</summary>
    public ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Metadata.LinkAsync(auth, file, directory, name, cancellationToken);

    /// <summary>
    /// The content of a file whose last name a REMOVE or RENAME took. A metadata store several servers share
    /// (<see cref="ISharedReleaseList"/>) keeps it listed instead, and one server claims and deletes it after a grace
    /// period (<see cref="SharedReleaseSweeper"/>): a READ through another server may have checked the file just
    /// before and still be reading it.
    /// </summary>
    private ValueTask ReleaseRemovedContentAsync(ContentId content, CancellationToken cancellationToken) =>
        Metadata is ISharedReleaseList ? default : ReleaseContentAsync(content, cancellationToken);

    /// <summary>
    /// The content of a file whose last name went (or bytes a WRITE recreated for such a file): queued for deletion
    /// when there is a <see cref="ContentReleaser"/> (the caller then does not wait for it), deleted here otherwise;
    /// either way the metadata store is told once it is gone, so it stops listing it as released. The enqueue is not
    /// cancelled with the call: the name is already gone, and giving up would leave the bytes behind.
    /// </summary>
    private ValueTask ReleaseContentAsync(ContentId content, CancellationToken cancellationToken) =>
        content.IsNone ? default
        : _releaser is not null ? _releaser.ReleaseAsync(Metadata, Content, content, CancellationToken.None)
        : DeleteReleasedContentAsync(content, cancellationToken);

    /// <summary>
    /// Deletes the content of a file whose last name went; a failure is logged, not answered, and leaves the content
    /// listed as released for the next start. Dropping that listing needs no sync (deleting again is harmless).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DeleteReleasedContentAsync(ContentId content, CancellationToken cancellationToken)
    {
        var status = await Content.DeleteAsync(content, cancellationToken).ConfigureAwait(false);
        if (status != StoreStatus.Ok)
        {
            LogContentLeak(content, status);
            return;
        }
        await Metadata.ContentDeletedAsync(content, CancellationToken.None).ConfigureAwait(false);
    }
}
