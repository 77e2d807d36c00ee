namespace DittoFs.Storage;

/// <summary>
/// The one lock/retry skeleton of the namespace changes (CREATE, MKDIR, SYMLINK, MKNOD, LINK, REMOVE, RMDIR, RENAME),
/// shared by the metadata stores; a store gives only how it reads, locks and writes (<typeparamref name="TSteps"/>).
/// Each change finds the objects it touches without their locks, locks them together in the store's one lock order
/// (<see cref="OrderedLocks"/>), reads them afresh and checks that the names still name what was found, starting
/// again when one moved meanwhile; then applies the <see cref="PosixRules"/> checks and, if they pass, the store's
/// write, all under the locks.
/// </summary>
public readonly partial struct NamespaceChanges<TSteps, TId, TNode, TEntry>
    where TSteps : struct, INamespaceSteps<TId, TNode, TEntry>
{
    private readonly TSteps _steps;

    public NamespaceChanges(TSteps steps)
    {
        _steps = steps;
    }

    private static bool IsNone(TId id) => EqualityComparer<TId>.Default.Equals(id, default!);

    private static bool Same(TId first, TId second) => EqualityComparer<TId>.Default.Equals(first, second);

    /// <summary>Locks the given objects together (default ones are none) in the store's lock order; released on dispose.</summary>
    private OrderedLocks Enter(TId first, TId second = default!, TId third = default!, TId fourth = default!)
    {
        var locks = new OrderedLocks();
        _steps.AddLock(ref locks, first);
        _steps.AddLock(ref locks, second);
        _steps.AddLock(ref locks, third);
        _steps.AddLock(ref locks, fourth);
        locks.EnterAll();
        return locks;
    }

    /// <summary>What <paramref name="name"/> names before the locks: nothing when the name is invalid (the checks under the locks report that).</summary>
    private TId Peek(TId directory, ReadOnlySpan<byte> name, StoreStatus nameStatus) =>
        nameStatus == StoreStatus.Ok ? _steps.Peek(directory, name) : default!;

    /// <summary>
    /// The checks every change of an existing entry starts with, under the locks of the directory and of
    /// <paramref name="expected"/>: a directory, a valid name, search permission, and the name still naming
    /// <paramref name="expected"/> (<paramref name="moved"/> when it names something else now: retry).
    /// </summary>
    private StoreStatus CheckEntry(AuthContext auth, in TNode directory, ReadOnlySpan<byte> name, StoreStatus nameStatus, TId expected, out TEntry entry, out bool moved)
    {
        entry = default!;
        moved = false;
        var attributes = _steps.AttributesOf(directory);
        if (attributes.Type != FileType.Directory)
        {
            return StoreStatus.NotDir;
        }
        if (nameStatus != StoreStatus.Ok)
        {
            return nameStatus;
        }
        if (PosixRules.CheckSearch(attributes, auth) is var status and not StoreStatus.Ok)
        {
            return status;
        }
        entry = _steps.Find(directory, name);
        var current = _steps.ChildOf(entry);
        if (!Same(current, expected))
        {
            moved = true;
            return StoreStatus.Ok;
        }
        return IsNone(current) ? StoreStatus.NoEnt : StoreStatus.Ok;
    }

    /// <summary>The object a confirmed entry names; Io when it is missing, which only a damaged store shows (entry and object are written together).</summary>
    private TNode ReadEntryTarget(TId id, ref StoreStatus status)
    {
        if (!_steps.TryRead(id, out var node))
        {
            status = StoreStatus.Io;
        }
        return node;
    }
}
