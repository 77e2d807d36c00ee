using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace DittoFs.Storage.Memory;

/// <summary>
/// A metadata store held in memory: gone when the process ends. Its generation and cookie verifier are random
/// per instance, so handles and READDIR cookies from an earlier instance are Stale / BadCookie rather than
/// silently naming other files.
/// Locking: inodes sit in a concurrent dictionary and each has its own lock; there is no store-wide lock on the
/// request path. An operation touching several inodes locks them together in file id order (<see cref="InodeLocks"/>).
/// The one store-wide lock is the rename gate, taken only by renames that move a directory to another parent
/// (as Linux's s_vfs_rename_mutex), which keeps the tree's shape still while such a rename checks that a
/// directory is not moved into itself.
/// </summary>
public sealed partial class MemoryMetadataStore : IMetadataStore
{
    private readonly ConcurrentDictionary<ulong, Inode> _inodes = new();
    private readonly ConcurrentDictionary<string, Inode> _roots = new(StringComparer.Ordinal);
    private readonly Lock _rootsGate = new();
    private readonly Lock _renameGate = new();
    private readonly NamespaceChanges<NamespaceSteps, Inode?, Inode, Inode?> _namespace;
    private readonly FileClock _clock;
    private readonly ulong _maxFiles;
    private readonly uint _generation;
    private readonly ulong _cookieVerifier;
    private readonly ulong _contentIdPrefix;
    private long _lastFileId;
    private long _fileCount;

    /// <param name="maxFiles">How many objects the store holds before creation fails with NoSpc.</param>
    /// <param name="clock">The clock for timestamps; a new <see cref="FileClock"/> when null.</param>
    public MemoryMetadataStore(ulong maxFiles = 1UL << 32, FileClock? clock = null)
    {
        _maxFiles = maxFiles;
        _clock = clock ?? new FileClock();
        _generation = NonZeroRandom32();
        _cookieVerifier = NonZeroRandom64();
        _contentIdPrefix = NonZeroRandom64();
        _namespace = new(new NamespaceSteps(this));
    }

    public ValueTask<StoreResult<FileRef>> GetOrCreateRootAsync(string shareName, uint uid, uint gid, uint mode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(shareName);
        if (_roots.TryGetValue(shareName, out var existing))
        {
            return new(new StoreResult<FileRef>(RefOf(existing)));
        }
        lock (_rootsGate)
        {
            if (!_roots.TryGetValue(shareName, out var root))
            {
                if (!TryReserveFileSlot())
                {
                    return new(StoreStatus.NoSpc);
                }
                var now = _clock.Now();
                root = new Inode(WithIdentity(PosixRules.NewShareRoot(mode, uid, gid, now)), rootId: 0);
                _inodes[root.Id] = root;
                _roots[shareName] = root;
            }
            return new(new StoreResult<FileRef>(RefOf(root)));
        }
    }

    public ValueTask<StoreResult<InodeAttributes>> GetAttributesAsync(FileRef file, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode) || !TrySnapshot(inode, out var attributes))
        {
            return new(StoreStatus.Stale);
        }
        return new(attributes);
    }

    public ValueTask<StoreResult<AccessResult>> AccessAsync(AuthContext auth, FileRef file, AccessRights requested, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode) || !TrySnapshot(inode, out var attributes))
        {
            return new(StoreStatus.Stale);
        }
        return new(new AccessResult(PosixRules.GrantAccess(attributes, auth, requested), attributes));
    }

    public ValueTask<StoreResult<ReadLinkResult>> ReadLinkAsync(AuthContext auth, FileRef symlink, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(symlink, out var inode) || !TrySnapshot(inode, out var attributes))
        {
            return new(StoreStatus.Stale);
        }
        if (inode.SymlinkTarget is not { } target)
        {
            return new(new StoreResult<ReadLinkResult>(StoreStatus.Inval, new ReadLinkResult(default, attributes)));
        }
        return new(new ReadLinkResult(target, attributes));
    }

    public ValueTask<StoreResult<InodeAttributes>> PrepareReadAsync(AuthContext auth, FileRef file, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode) || !TrySnapshot(inode, out var attributes))
        {
            return new(StoreStatus.Stale);
        }
        return new(new StoreResult<InodeAttributes>(PosixRules.CheckRead(attributes, auth), attributes));
    }

    public ValueTask<StoreResult<InodeAttributes>> PrepareWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode) || !TrySnapshot(inode, out var attributes))
        {
            return new(StoreStatus.Stale);
        }
        var status = PosixRules.CheckWrite(attributes, auth);
        if (status == StoreStatus.Ok)
        {
            status = PosixRules.CheckWriteRange(offset, count);
        }
        return new(new StoreResult<InodeAttributes>(status, attributes));
    }

    public ValueTask<StoreResult<WccData>> CommitWriteAsync(AuthContext auth, FileRef file, ulong offset, uint count, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(file, out var inode))
        {
            return new(StoreStatus.Stale);
        }
        lock (inode.Gate)
        {
            if (inode.IsRemoved)
            {
                return new(StoreStatus.Stale);
            }
            var before = inode.Attributes;
            if (PosixRules.CheckWriteRange(offset, count) is var status and not StoreStatus.Ok)
            {
                return new(new StoreResult<WccData>(status, WccData.Unchanged(before)));
            }
            inode.Attributes = PosixRules.ApplyWrite(before, auth, offset, count, _clock.Now());
            return new(new WccData(before.ToWcc(), inode.Attributes));
        }
    }

    /// <summary>Nothing here is durable: the write verifier changes on restart, so clients resend what they did not see committed.</summary>
    public ValueTask<StoreStatus> FlushAsync(FileRef file, CancellationToken cancellationToken = default) =>
        new(TryResolve(file, out var inode) && TrySnapshot(inode, out _) ? StoreStatus.Ok : StoreStatus.Stale);

    public ValueTask<StoreResult<FileCountStats>> GetFileCountStatsAsync(CancellationToken cancellationToken = default)
    {
        ulong used = (ulong)Volatile.Read(ref _fileCount);
        ulong free = _maxFiles > used ? _maxFiles - used : 0;
        return new(new FileCountStats(_maxFiles, free, free));
    }

    /// <summary>Nothing to drop: nothing outlives the process here, so released content needs no record.</summary>
    public ValueTask<StoreStatus> ContentDeletedAsync(ContentId content, CancellationToken cancellationToken = default) => new(StoreStatus.Ok);

    /// <summary>Always empty: a new instance has no files, so nothing released before it.</summary>
    public ValueTask<IReadOnlyList<ContentId>> ListReleasedContentAsync(CancellationToken cancellationToken = default) => new([]);

    /// <summary>The live or just-removed inode a reference names; false for another generation or, for a scoped reference, another share's root.</summary>
    private bool TryResolve(FileRef file, out Inode inode) =>
        _inodes.TryGetValue(file.FileId, out inode!) && file.Generation == _generation && (file.Root == 0 || file.Root == inode.RootId);

    private static bool TrySnapshot(Inode inode, out InodeAttributes attributes)
    {
        lock (inode.Gate)
        {
            attributes = inode.Attributes;
            return !inode.IsRemoved;
        }
    }

    private FileRef RefOf(Inode inode) => new(inode.Id, _generation);

    /// <summary>Gives new attributes the next file id (ids start at 1 and are never reused), the generation, and regular files a content id.</summary>
    private InodeAttributes WithIdentity(in InodeAttributes attributes)
    {
        ulong fileId = (ulong)Interlocked.Increment(ref _lastFileId);
        return attributes with
        {
            FileId = fileId,
            Generation = _generation,
            ContentId = attributes.Type == FileType.Regular
                ? new ContentId(new UInt128(_contentIdPrefix, fileId))
                : ContentId.None,
        };
    }

    private bool TryReserveFileSlot()
    {
        if ((ulong)Interlocked.Increment(ref _fileCount) <= _maxFiles)
        {
            return true;
        }
        Interlocked.Decrement(ref _fileCount);
        return false;
    }

    /// <summary>Drops an object whose last name went; its handles become stale. Call with its lock held.</summary>
    private void Forget(Inode inode)
    {
        inode.IsRemoved = true;
        _inodes.TryRemove(inode.Id, out _);
        Interlocked.Decrement(ref _fileCount);
    }

    private static uint NonZeroRandom32()
    {
        uint value;
        do
        {
            value = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        }
        while (value == 0);
        return value;
    }

    private static ulong NonZeroRandom64()
    {
        ulong value;
        do
        {
            value = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        }
        while (value == 0);
        return value;
    }
}
