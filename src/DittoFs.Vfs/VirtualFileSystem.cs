using DittoFs.Storage;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Vfs;

/// <summary>
/// The file system of one share, in protocol-neutral terms: every namespace and data operation a protocol adapter
/// serves (NFSv3 and MOUNT today; NLM and NFSv4 next) is one call here. It owns what no single store can: the order
/// between the metadata store and the content store, the rollback when the content store refuses a change the
/// metadata store already recorded, and the deletion of content whose file lost its last name
/// (<see cref="ContentReleaser"/>). Permission checks and POSIX semantics stay with the metadata store
/// (<see cref="PosixRules"/>), which every call here passes the caller's <see cref="AuthContext"/> to.
/// <para>
/// What stays with the adapter: its wire types and status codes, file handles, export checks (client networks,
/// read-only, squashing into the <see cref="AuthContext"/>), and where reply bytes go.
/// </para>
/// <para>
/// Byte-range locks and share reservations live in the share's lock table (<see cref="Locks"/>), one per share and
/// shared by every protocol, so that an NLM client's lock and an NFSv4 client's lock on the same range conflict.
/// </para>
/// Failures are results (<see cref="StoreResult{T}"/>), carrying the attributes or WCC data a failure reply needs
/// where they could be read. One operation group per file: VirtualFileSystem.*.cs.
/// </summary>
public sealed partial class VirtualFileSystem
{
    /// <summary>Mode of a share root created by <see cref="OpenAsync"/>: rwxr-xr-x.</summary>
    public const uint DefaultRootMode = 0x1ED; // 0755

    private readonly ContentReleaser? _releaser;
    private readonly ILogger _logger;

    /// <param name="root">The share's root directory in <paramref name="metadata"/>.</param>
    /// <param name="releaser">Deletes released content in the background (the server's choice); without one, removals delete it before answering.</param>
    /// <param name="locks">The share's lock table; a new <see cref="MemoryLockTable"/> (no grace period) when null. The
    /// server passes one that knows its grace period, and later one backed by shared state.</param>
    public VirtualFileSystem(IMetadataStore metadata, IContentStore content, FileRef root, ContentReleaser? releaser = null, ILogger? logger = null,
        ILockTable? locks = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(content);
        if (root.FileId == 0)
        {
            throw new ArgumentException("A share root needs a file id (stores never hand out 0).", nameof(root));
        }
        Metadata = metadata;
        Content = content;
        Root = root;
        _releaser = releaser;
        _logger = logger ?? NullLogger.Instance;
        Locks = locks ?? new MemoryLockTable();
    }

    /// <summary>
    /// The file system of share <paramref name="name"/>, whose root is created on first use (owner
    /// <paramref name="rootUid"/>:<paramref name="rootGid"/>, <paramref name="rootMode"/>) and found again on later
    /// starts of a persistent store.
    /// </summary>
    public static async ValueTask<VirtualFileSystem> OpenAsync(string name, IMetadataStore metadata, IContentStore content, ContentReleaser? releaser = null,
        ILogger? logger = null, uint rootMode = DefaultRootMode, uint rootUid = 0, uint rootGid = 0, ILockTable? locks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(metadata);
        var root = await metadata.GetOrCreateRootAsync(name, rootUid, rootGid, rootMode, cancellationToken).ConfigureAwait(false);
        if (!root.IsOk)
        {
            throw new InvalidOperationException($"The metadata store could not give share {name} a root: {root.Status}.");
        }
        return new VirtualFileSystem(metadata, content, root.Value, releaser, logger, locks);
    }

    /// <summary>The share's root directory.</summary>
    public FileRef Root { get; }

    /// <summary>The share's byte-range locks and share reservations (NLM today, NFSv4 later).</summary>
    public ILockTable Locks { get; }

    /// <summary>For the server's own bookkeeping (released content at start-up), not for protocol adapters.</summary>
    internal IMetadataStore Metadata { get; }

    /// <inheritdoc cref="Metadata"/>
    internal IContentStore Content { get; }
}
