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
        return DurableAsync(_namespace.Create(auth, directory.FileId, name.Span, mode, attributes, verifier));
    }

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out _))
        {
            return new(StoreStatus.Stale);
        }
        return DurableAsync(_namespace.Add(auth, directory.FileId, name.Span, new NewNode(FileType.Directory, attributes), out _));
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
        return DurableAsync(_namespace.Add(auth, directory.FileId, name.Span, node, out _));
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
        return DurableAsync(_namespace.Add(auth, directory.FileId, name.Span, node, out _));
    }

    /// <summary>A creation's change, checked, written under the directory's lock as one batch: the new object gets its identity and its entry.</summary>
    private StoreResult<CreateResult> AddChild(in InodeRecord parent, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes requested, FileTime now)
    {
        var before = parent.Attributes;
        var status = WithIdentity(requested, out var attributes);
        var child = attributes.Type == FileType.Directory
            ? InodeRecord.NewDirectory(attributes, parent.Id, parent.RootId)
            : new InodeRecord { Attributes = attributes, RootId = parent.RootId, SymlinkTarget = node.SymlinkTarget, CreateVerifier = node.CreateVerifier };
        var parentAfter = AddEntry(parent, now, child.IsDirectory ? 1 : 0, out ulong cookie);
        if (status == StoreStatus.Ok)
        {
            using var batch = new MetadataBatch();
            batch.PutInode(child);
            batch.PutInode(parentAfter);
            batch.PutEntry(parent.Id, name, cookie, child.Id);
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
}
