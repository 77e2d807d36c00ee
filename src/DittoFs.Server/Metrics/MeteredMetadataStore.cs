using DittoFs.Storage;

namespace DittoFs.Server.Metrics;

/// <summary>
/// A metadata store whose back-end failures are counted (see <see cref="StoreErrorMeter"/>); everything else passes
/// through, a shared release list too where the store has one (<see cref="Wrap"/>).
/// </summary>
internal class MeteredMetadataStore(IMetadataStore inner, StoreErrorMeter errors) : IMetadataStore
{
    /// <summary>The metered store: one with a shared release list if <paramref name="inner"/> has one, so servers keep claiming.</summary>
    public static IMetadataStore Wrap(IMetadataStore inner, StoreErrorMeter errors) =>
        inner is ISharedReleaseList shared ? new Shared(inner, shared, errors) : new MeteredMetadataStore(inner, errors);

    private sealed class Shared(IMetadataStore inner, ISharedReleaseList shared, StoreErrorMeter errors)
        : MeteredMetadataStore(inner, errors), ISharedReleaseList
    {
        public ValueTask<IReadOnlyList<ContentId>> ClaimReleasedContentAsync(int max, TimeSpan grace, TimeSpan lease, CancellationToken cancellationToken = default) =>
            shared.ClaimReleasedContentAsync(max, grace, lease, cancellationToken);
    }

    public ValueTask<StoreResult<FileRef>> GetOrCreateRootAsync(string shareName, uint uid, uint gid, uint mode, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.GetOrCreateRootAsync(shareName, uid, gid, mode, cancellationToken));

    public ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.GetAttributesAsync(file, cancellationToken));

    public ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.SetAttributesAsync(auth, file, changes, guardChangeTime, cancellationToken));

    public ValueTask<StoreStatus> RevertAttributesAsync(FileRef file, InodeAttributes changed, InodeAttributes original, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.RevertAttributesAsync(file, changed, original, cancellationToken));

    public ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.LookupAsync(auth, directory, name, cancellationToken));

    public ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.AccessAsync(auth, file, requested, cancellationToken));

    public ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.ReadLinkAsync(auth, symlink, cancellationToken));

    public ValueTask<StoreResult<InodeAttributes>> PrepareReadAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.PrepareReadAsync(auth, file, cancellationToken));

    public ValueTask<StoreResult<InodeAttributes>> PrepareWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.PrepareWriteAsync(auth, file, offset, count, cancellationToken));

    public ValueTask<StoreResult<WccData>> CommitWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.CommitWriteAsync(auth, file, offset, count, cancellationToken));

    public ValueTask<StoreStatus> FlushAsync(FileRef file, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.FlushAsync(file, cancellationToken));

    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.CreateAsync(auth, directory, name, mode, attributes, verifier, cancellationToken));

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.MkdirAsync(auth, directory, name, attributes, cancellationToken));

    public ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target, SetAttributes attributes, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.SymlinkAsync(auth, directory, name, target, attributes, cancellationToken));

    public ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type, SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.MknodAsync(auth, directory, name, type, attributes, device, cancellationToken));

    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.RemoveAsync(auth, directory, name, cancellationToken));

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.RmdirAsync(auth, directory, name, cancellationToken));

    public ValueTask<StoreResult<RenameResult>> RenameAsync(AuthContext auth, FileRef fromDirectory, ReadOnlyMemory<byte> fromName, FileRef toDirectory, ReadOnlyMemory<byte> toName, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.RenameAsync(auth, fromDirectory, fromName, toDirectory, toName, cancellationToken));

    public ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.LinkAsync(auth, file, directory, name, cancellationToken));

    public ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier, Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.ReadDirectoryAsync(auth, directory, afterCookie, cookieVerifier, destination, cancellationToken));

    public ValueTask<StoreResult<FileCountStats>> GetFileCountStatsAsync(CancellationToken cancellationToken = default) =>
        errors.Watch(inner.GetFileCountStatsAsync(cancellationToken));

    public ValueTask<StoreStatus> ContentDeletedAsync(ContentId content, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.ContentDeletedAsync(content, cancellationToken));

    public ValueTask<IReadOnlyList<ContentId>> ListReleasedContentAsync(CancellationToken cancellationToken = default) =>
        inner.ListReleasedContentAsync(cancellationToken);
}
