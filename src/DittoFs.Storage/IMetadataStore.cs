namespace DittoFs.Storage;

/// <summary>
/// The namespace and attributes of one or more shares, with POSIX permission semantics. Every method checks
/// permissions for <c>auth</c> itself (rules shared by all back ends live in <see cref="PosixRules"/>), returns
/// expected failures as a status, and fills the WCC data / post-operation attributes the NFS reply carries,
/// on failure too where the store could read them. Names are raw bytes (never assumed UTF-8).
/// How the NFS layer combines this with an <see cref="IContentStore"/> is described in README.md beside this file.
/// </summary>
public interface IMetadataStore
{
    /// <summary>
    /// The root directory of a share, created on first use with the given owner and mode. Several shares may
    /// live in one store, each under its own root; ".." of a root is the root.
    /// </summary>
    ValueTask<StoreResult<FileRef>> GetOrCreateRootAsync(string shareName, uint uid, uint gid, uint mode, CancellationToken cancellationToken = default);

    /// <summary>GETATTR. Stale if the file is gone or the generation is not the file's.</summary>
    ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default);

    /// <summary>
    /// SETATTR (RFC 1813 §3.3.2). With <paramref name="guardChangeTime"/>, NotSync unless it equals the file's ctime.
    /// A size change of a regular file must be followed by <see cref="IContentStore.TruncateAsync"/>, and undone with
    /// <see cref="RevertAttributesAsync"/> if that fails.
    /// </summary>
    ValueTask<StoreResult<WccData>> SetAttributesAsync(AuthContext auth, FileRef file, SetAttributes changes, FileTime? guardChangeTime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Undoes an attribute change whose content part failed: a size the content store refused after
    /// <see cref="SetAttributesAsync"/> or <see cref="CreateAsync"/> recorded it, so the recorded size would describe
    /// bytes that are not there. If the file's attributes are still exactly <paramref name="changed"/>, its mode,
    /// owner, size and times become those of <paramref name="original"/> again, as durably as the change was; if
    /// anything changed the file since, that later change stands and the answer is NotSync. Stale if the file is gone.
    /// Not a client operation: nothing is checked against a caller.
    /// </summary>
    ValueTask<StoreStatus> RevertAttributesAsync(FileRef file, InodeAttributes changed, InodeAttributes original, CancellationToken cancellationToken = default);

    /// <summary>LOOKUP, including "." and "..". Needs search (x) permission on the directory.</summary>
    ValueTask<StoreResult<LookupResult>> LookupAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default);

    /// <summary>ACCESS: which of <paramref name="requested"/> the mode bits grant (only rights meaningful for the type).</summary>
    ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default);

    /// <summary>READLINK. Inval if the object is not a symbolic link.</summary>
    ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default);

    /// <summary>
    /// The check before READ: a regular file (IsDir / Inval otherwise) the caller may read. Returns its attributes;
    /// the NFS layer reads at most <c>Size - offset</c> bytes and zero-fills what the content store does not have.
    /// </summary>
    ValueTask<StoreResult<InodeAttributes>> PrepareReadAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default);

    /// <summary>
    /// The check before WRITE: a regular file the caller may write, and a range within the maximum file size
    /// (FBig). Returns its attributes, whose <see cref="InodeAttributes.ContentId"/> the data goes to.
    /// </summary>
    ValueTask<StoreResult<InodeAttributes>> PrepareWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a WRITE the content store has taken: size becomes max(size, offset + count), mtime and ctime move,
    /// and a non-root writer clears set-uid/set-gid. Stale if the file was removed meanwhile: the caller then
    /// deletes the content it wrote. Returns the file's WCC data for the WRITE reply.
    /// </summary>
    ValueTask<StoreResult<WccData>> CommitWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes every change to <paramref name="file"/> taken so far durable, including the size and times
    /// <see cref="CommitWriteAsync"/> recorded, which a store may keep volatile as it does UNSTABLE data. COMMIT, and
    /// WRITE with FILE_SYNC / DATA_SYNC after <see cref="CommitWriteAsync"/>, call it. Every other change is durable
    /// when its method returns (RFC 1813 §3.3: namespace and attribute changes are stable). Stale if the file is gone.
    /// </summary>
    ValueTask<StoreStatus> FlushAsync(FileRef file, CancellationToken cancellationToken = default);

    /// <summary>
    /// CREATE of a regular file (RFC 1813 §3.3.8). <paramref name="attributes"/> is ignored for Exclusive, which keeps
    /// <paramref name="verifier"/> (the 8 bytes of createverf3) in the file.
    /// </summary>
    ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default);

    /// <summary>MKDIR.</summary>
    ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default);

    /// <summary>SYMLINK. The target is kept as given (Inval if empty or containing NUL).</summary>
    ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target, SetAttributes attributes, CancellationToken cancellationToken = default);

    /// <summary>MKNOD of a FIFO, socket, or (by root only) a block or character device; BadType for other types.</summary>
    ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type, SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default);

    /// <summary>REMOVE of a non-directory (IsDir for a directory).</summary>
    ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default);

    /// <summary>RMDIR of an empty directory (NotDir for anything else, NotEmpty, Inval for ".").</summary>
    ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default);

    /// <summary>RENAME with rename(2) semantics: replaces a compatible target, no-op when both names are one file.</summary>
    ValueTask<StoreResult<RenameResult>> RenameAsync(AuthContext auth, FileRef fromDirectory, ReadOnlyMemory<byte> fromName, FileRef toDirectory, ReadOnlyMemory<byte> toName, CancellationToken cancellationToken = default);

    /// <summary>LINK: a new name for a non-directory (Perm for a directory, as link(2)).</summary>
    ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default);

    /// <summary>
    /// READDIR / READDIRPLUS: writes the entries whose cookie follows <paramref name="afterCookie"/> into
    /// <paramref name="destination"/> (as many as fit) in cookie order. "." and ".." are not included (see
    /// <see cref="DirectoryCookie"/>). A cookie this directory never handed out, or a non-zero cookie with a
    /// verifier other than the one returned, is BadCookie. Needs read permission on the directory.
    /// </summary>
    ValueTask<StoreResult<DirectoryPage>> ReadDirectoryAsync(AuthContext auth, FileRef directory, ulong afterCookie, ulong cookieVerifier, Memory<DirectoryEntry> destination, CancellationToken cancellationToken = default);

    /// <summary>File counts for FSSTAT.</summary>
    ValueTask<StoreResult<FileCountStats>> GetFileCountStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Says that the content a REMOVE or RENAME released (<see cref="RemoveResult.ReleasedContent"/>,
    /// <see cref="RenameResult.ReleasedContent"/>) has been deleted from the content store. A persistent store records
    /// released content durably with the change that released it, so content a crash left undeleted is found again
    /// (<see cref="ListReleasedContentAsync"/>); this drops that record. It need not be durable when it returns: if a
    /// crash loses it, the content is deleted once more, which is harmless since content ids are never reused.
    /// </summary>
    ValueTask<StoreStatus> ContentDeletedAsync(ContentId content, CancellationToken cancellationToken = default);

    /// <summary>
    /// The content released and not yet said deleted (<see cref="ContentDeletedAsync"/>): what a server deletes when
    /// it starts, since the previous process may have ended before it could. A store that keeps nothing across
    /// restarts answers an empty list. None of these ids is a live file's.
    /// </summary>
    ValueTask<IReadOnlyList<ContentId>> ListReleasedContentAsync(CancellationToken cancellationToken = default);
}
