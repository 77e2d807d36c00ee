using System.Diagnostics.CodeAnalysis;

namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(Create(auth, parent, name.Span, mode, attributes, verifier));
    }

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(AddNode(auth, parent, name.Span, new NewNode(FileType.Directory, attributes), out _));
    }

    public ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        var node = new NewNode(FileType.Symlink, attributes)
        {
            Check = PosixRules.CheckSymlinkTarget(target.Span),
            SymlinkTarget = target.ToArray(),
        };
        return new(AddNode(auth, parent, name.Span, node, out _));
    }

    public ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type, SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        var node = new NewNode(type, attributes)
        {
            Check = PosixRules.CheckMknodType(type, auth),
            Device = type is FileType.BlockDevice or FileType.CharDevice ? device : default,
        };
        return new(AddNode(auth, parent, name.Span, node, out _));
    }

    private StoreResult<CreateResult> Create(AuthContext auth, Inode parent, ReadOnlySpan<byte> name, CreateMode mode, in SetAttributes attributes, ulong verifier)
    {
        // An exclusive CREATE carries no attributes (RFC 1813 §3.3.8): the client sets them with SETATTR afterwards.
        var node = mode == CreateMode.Exclusive
            ? new NewNode(FileType.Regular, SetAttributes.None) { CreateVerifier = verifier }
            : new NewNode(FileType.Regular, attributes);
        while (true)
        {
            var created = AddNode(auth, parent, name, node, out var existing);
            if (existing is null || mode == CreateMode.Guarded || existing.Type != FileType.Regular)
            {
                return created;
            }
            var directoryWcc = created.Value.Directory;
            if (mode == CreateMode.Exclusive)
            {
                if (existing.CreateVerifier != verifier)
                {
                    return created;
                }
                if (TrySnapshot(existing, out var retried))
                {
                    return new CreateResult(retried, directoryWcc);
                }
                continue; // removed meanwhile: create it anew
            }

            // UNCHECKED on an existing regular file applies only a requested size (as Linux nfsd), with SETATTR's checks.
            var truncated = ChangeAttributes(auth, existing, new SetAttributes { Size = attributes.Size }, guardChangeTime: null);
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
    /// <paramref name="existing"/> is what it names, for CREATE's modes to decide on.
    /// </summary>
    private StoreResult<CreateResult> AddNode(AuthContext auth, Inode parent, ReadOnlySpan<byte> name, in NewNode node, out Inode? existing)
    {
        existing = null;
        lock (parent.Gate)
        {
            if (parent.IsRemoved)
            {
                return StoreStatus.Stale;
            }
            var before = parent.Attributes;
            var status = PosixRules.CheckCreate(
                before, name, node.Check, auth, new EntryLookup(parent), node.Type, node.Attributes, _clock, out existing, out var now, out var attributes);
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
            attributes = WithIdentity(attributes with { Device = node.Device });
            var child = new Inode(attributes, parent.RootId, node.SymlinkTarget, node.CreateVerifier);
            if (child.IsDirectory)
            {
                child.Parent = parent;
            }
            _inodes[child.Id] = child;
            parent.Entries!.Add(name.ToArray(), child);
            parent.Attributes = PosixRules.AfterEntryChange(before, now, child.IsDirectory ? 1 : 0);
            return new CreateResult(attributes, new WccData(before.ToWcc(), parent.Attributes));
        }
    }

    /// <summary>Finds a name among a directory's entries, for <see cref="PosixRules.CheckCreate"/>; the caller holds the directory's gate.</summary>
    private readonly struct EntryLookup(Inode directory) : PosixRules.IEntryLookup<Inode>
    {
        public bool TryFind(ReadOnlySpan<byte> name, [MaybeNullWhen(false)] out Inode entry)
        {
            entry = directory.Entries!.Find(name);
            return entry is not null;
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
