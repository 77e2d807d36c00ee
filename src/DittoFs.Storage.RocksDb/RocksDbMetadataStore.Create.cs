using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(Create(auth, directory.FileId, name.Span, mode, attributes, verifier));
    }

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(AddNode(auth, directory.FileId, name.Span, new NewNode(FileType.Directory, attributes), out _));
    }

    public ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        var node = new NewNode(FileType.Symlink, attributes)
        {
            Check = PosixRules.CheckSymlinkTarget(target.Span),
            SymlinkTarget = target.ToArray(),
        };
        return DurableAsync(AddNode(auth, directory.FileId, name.Span, node, out _));
    }

    public ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type, SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        var node = new NewNode(type, attributes)
        {
            Check = PosixRules.CheckMknodType(type, auth),
            Device = type is FileType.BlockDevice or FileType.CharDevice ? device : default,
        };
        return DurableAsync(AddNode(auth, directory.FileId, name.Span, node, out _));
    }

    private StoreResult<CreateResult> Create(AuthContext auth, ulong parentId, ReadOnlySpan<byte> name, CreateMode mode, in SetAttributes attributes, ulong verifier)
    {
        // An exclusive CREATE carries no attributes (RFC 1813 §3.3.8): the client sets them with SETATTR afterwards.
        var node = mode == CreateMode.Exclusive
            ? new NewNode(FileType.Regular, SetAttributes.None) { CreateVerifier = verifier }
            : new NewNode(FileType.Regular, attributes);
        while (true)
        {
            var created = AddNode(auth, parentId, name, node, out ulong existingId);
            if (existingId == 0 || mode == CreateMode.Guarded)
            {
                return created;
            }
            var existing = _db.GetInode(existingId);
            if (!existing.Exists)
            {
                continue; // removed meanwhile: create it anew
            }
            if (existing.Attributes.Type != FileType.Regular)
            {
                return created;
            }
            var directoryWcc = created.Value.Directory;
            if (mode == CreateMode.Exclusive)
            {
                return existing.CreateVerifier == verifier ? new CreateResult(existing.Attributes, directoryWcc) : created;
            }

            // UNCHECKED on an existing regular file applies only a requested size (as Linux nfsd), with SETATTR's checks.
            var truncated = ChangeAttributes(auth, existingId, new SetAttributes { Size = attributes.Size }, guardChangeTime: null);
            if (truncated.Status == StoreStatus.Stale)
            {
                continue;
            }
            return truncated.IsOk
                ? new CreateResult(truncated.Value.After!.Value, directoryWcc)
                : new StoreResult<CreateResult>(truncated.Status, new CreateResult(default, directoryWcc));
        }
    }

    /// <summary>
    /// Adds a new object under <paramref name="name"/>. When the name exists the result is Exist and
    /// <paramref name="existingId"/> is what it names, for CREATE's modes to decide on.
    /// </summary>
    private StoreResult<CreateResult> AddNode(AuthContext auth, ulong parentId, ReadOnlySpan<byte> name, in NewNode node, out ulong existingId)
    {
        existingId = 0;
        using var locks = _locks.Enter(parentId);
        var parent = _db.GetInode(parentId);
        if (!parent.Exists)
        {
            return StoreStatus.Stale;
        }
        var before = parent.Attributes;
        var status = PosixRules.CheckCreate(
            before, name, node.Check, auth, new EntryLookup(_db, parentId), node.Type, node.Attributes, _clock, out existingId, out var now, out var attributes);
        if (status == StoreStatus.Ok && !TryReserveFileSlot())
        {
            status = StoreStatus.NoSpc;
        }
        if (status != StoreStatus.Ok)
        {
            return new StoreResult<CreateResult>(status, new CreateResult(default, WccData.Unchanged(before)));
        }

        if (node.SymlinkTarget is { } target)
        {
            attributes = attributes with { Size = (ulong)target.Length, Used = (ulong)target.Length };
        }
        status = WithIdentity(attributes with { Device = node.Device }, out attributes);
        var child = attributes.Type == FileType.Directory
            ? InodeRecord.NewDirectory(attributes, parentId, parent.RootId)
            : new InodeRecord { Attributes = attributes, RootId = parent.RootId, SymlinkTarget = node.SymlinkTarget, CreateVerifier = node.CreateVerifier };
        var parentAfter = AddEntry(parent, now, child.IsDirectory ? 1 : 0, out ulong cookie);
        if (status == StoreStatus.Ok)
        {
            using var batch = new MetadataBatch();
            batch.PutInode(child);
            batch.PutInode(parentAfter);
            batch.PutEntry(parentId, name, cookie, child.Id);
            status = _db.Apply(batch);
        }
        if (status != StoreStatus.Ok)
        {
            ReleaseFileSlot();
            return new StoreResult<CreateResult>(status, new CreateResult(default, WccData.Unchanged(before)));
        }
        return new CreateResult(attributes, new WccData(before.ToWcc(), parentAfter.Attributes));
    }

    /// <summary>
    /// A directory's record after an entry was added: times moved, link count moved by
    /// <paramref name="subdirectoryDelta"/>, one more entry, and the next cookie taken for it.
    /// </summary>
    private static InodeRecord AddEntry(in InodeRecord directory, FileTime now, int subdirectoryDelta, out ulong cookie)
    {
        cookie = directory.LastCookie + 1;
        return directory with
        {
            Attributes = PosixRules.AfterEntryChange(directory.Attributes, now, subdirectoryDelta),
            LastCookie = cookie,
            EntryCount = directory.EntryCount + 1,
        };
    }

    /// <summary>A directory's record after an entry was removed: times moved, link count moved by <paramref name="subdirectoryDelta"/>, one entry fewer.</summary>
    private static InodeRecord RemoveEntry(in InodeRecord directory, FileTime now, int subdirectoryDelta) => directory with
    {
        Attributes = PosixRules.AfterEntryChange(directory.Attributes, now, subdirectoryDelta),
        EntryCount = directory.EntryCount - 1,
    };

    /// <summary>Finds a name in a directory's entries, for <see cref="PosixRules.CheckCreate"/>: the child's id, 0 if none.</summary>
    private readonly struct EntryLookup(MetadataDatabase db, ulong directoryId) : PosixRules.IEntryLookup<ulong>
    {
        public bool TryFind(ReadOnlySpan<byte> name, out ulong childId)
        {
            var entry = db.GetEntry(directoryId, name);
            childId = entry.Exists ? entry.ChildId : 0;
            return entry.Exists;
        }
    }

    /// <summary>What to create: the type, requested attributes, and what only some types have.</summary>
    private readonly record struct NewNode(FileType Type, SetAttributes Attributes)
    {
        /// <summary>A failed check of the type-specific arguments, reported after the name's.</summary>
        public StoreStatus Check { get; init; }
        public DeviceNumber Device { get; init; }
        public byte[]? SymlinkTarget { get; init; }
        public ulong? CreateVerifier { get; init; }
    }
}
