using System.Runtime.CompilerServices;

namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(_namespace.Create(auth, parent, name.Span, mode, attributes, verifier));
    }

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default)
    {
        if (!TryResolve(directory, out var parent))
        {
            return new(StoreStatus.Stale);
        }
        return new(_namespace.Add(auth, parent, name.Span, new NewNode(FileType.Directory, attributes), out _));
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
        return new(_namespace.Add(auth, parent, name.Span, node, out _));
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
        return new(_namespace.Add(auth, parent, name.Span, node, out _));
    }

    /// <summary>A creation's change, checked, under the directory's lock: the new inode gets its identity and its entry.</summary>
    /// <remarks>Not inlined into the shared skeleton's create, whose frame (zeroed on entry) would grow by this one's.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CreateResult AddChild(Inode parent, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes requested, FileTime now)
    {
        var before = parent.Attributes;
        var attributes = WithIdentity(requested);
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
