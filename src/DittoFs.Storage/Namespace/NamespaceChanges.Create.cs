using System.Runtime.CompilerServices;

namespace DittoFs.Storage;

public readonly partial struct NamespaceChanges<TSteps, TId, TNode, TEntry>
{
    /// <summary>CREATE (RFC 1813 §3.3.8) of a regular file, in the three modes.</summary>
    /// <remarks>
    /// Not inlined into the store's call, and the name that exists already is handled out of line (<see cref="CreateOverExisting"/>):
    /// inlined, SETATTR's truncation and the store's change made one frame of kilobytes that was zeroed on every create.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public StoreResult<CreateResult> Create(AuthContext auth, TId directory, ReadOnlySpan<byte> name, CreateMode mode, in SetAttributes attributes, ulong verifier)
    {
        // An exclusive CREATE carries no attributes (RFC 1813 §3.3.8): the client sets them with SETATTR afterwards.
        var node = mode == CreateMode.Exclusive
            ? new NewNode(FileType.Regular, SetAttributes.None) { CreateVerifier = verifier }
            : new NewNode(FileType.Regular, attributes);
        while (true)
        {
            var created = Add(auth, directory, name, node, out var existingId);
            if (IsNone(existingId) || mode == CreateMode.Guarded)
            {
                return created;
            }
            if (CreateOverExisting(auth, existingId, mode, attributes.Size, verifier, created) is { } answer)
            {
                return answer;
            }
        }
    }

    /// <summary>
    /// CREATE's answer when the name named <paramref name="existingId"/> (<paramref name="created"/> is Exist): an
    /// EXCLUSIVE retransmission's own file, an UNCHECKED truncation, or Exist; null when the object went meanwhile (create
    /// it anew).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private StoreResult<CreateResult>? CreateOverExisting(AuthContext auth, TId existingId, CreateMode mode, ulong? size, ulong verifier, in StoreResult<CreateResult> created)
    {
        if (!_steps.TryReadExisting(existingId, out var existing, out var existingVerifier))
        {
            return null; // removed meanwhile: create it anew
        }
        if (existing.Type != FileType.Regular)
        {
            return created;
        }
        var directoryWcc = created.Value.Directory;
        if (mode == CreateMode.Exclusive)
        {
            return existingVerifier == verifier ? new CreateResult(existing, directoryWcc) : created;
        }

        // UNCHECKED on an existing regular file applies only a requested size (as Linux nfsd), with SETATTR's checks.
        var truncated = _steps.ChangeAttributes(auth, existingId, new SetAttributes { Size = size });
        if (truncated.Status == StoreStatus.Stale)
        {
            return null;
        }
        return truncated.IsOk
            ? new CreateResult(truncated.Value.After!.Value, directoryWcc)
            : new StoreResult<CreateResult>(truncated.Status, new CreateResult(default, directoryWcc));
    }

    /// <summary>
    /// Adds a new object under <paramref name="name"/> (MKDIR, SYMLINK, MKNOD, and CREATE's first step). When the
    /// name exists the result is Exist and <paramref name="existing"/> is what it names, for CREATE's modes to decide on.
    /// </summary>
    public StoreResult<CreateResult> Add(AuthContext auth, TId directory, ReadOnlySpan<byte> name, in NewNode node, out TId existing)
    {
        existing = default!;
        using var locks = Enter(directory);
        if (!_steps.TryRead(directory, out var parent))
        {
            return StoreStatus.Stale;
        }
        var before = _steps.AttributesOf(parent);
        var status = PosixRules.CheckCreate(
            before, name, node.Check, auth, new EntryLookup(_steps, parent), node.Type, node.Attributes, _steps.Clock, out TId? found, out var now, out var attributes);
        existing = found!;
        if (status == StoreStatus.Ok && !_steps.TryReserveFileSlot())
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
        return _steps.ApplyCreate(parent, name, node, attributes with { Device = node.Device }, now);
    }

    /// <summary>Finds a name in a locked directory, for <see cref="PosixRules.CheckCreate"/>.</summary>
    private readonly struct EntryLookup(TSteps steps, TNode directory) : PosixRules.IEntryLookup<TId>
    {
        public bool TryFind(ReadOnlySpan<byte> name, out TId entry)
        {
            entry = steps.ChildOf(steps.Find(directory, name));
            return !IsNone(entry);
        }
    }
}
