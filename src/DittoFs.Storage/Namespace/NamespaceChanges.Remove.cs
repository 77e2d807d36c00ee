using System.Runtime.CompilerServices;

namespace DittoFs.Storage;

public readonly partial struct NamespaceChanges<TSteps, TId, TNode, TEntry>
{
    /// <summary>REMOVE (RFC 1813 §3.3.12): drops a non-directory's name; its last name takes the object.</summary>
    /// <remarks>Not inlined into the store's call, whose caller's frame would otherwise hold (and zero) all of this one's.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public StoreResult<RemoveResult> Remove(AuthContext auth, TId directory, ReadOnlySpan<byte> name) =>
        RemoveEntry<FileRemoval, RemoveResult>(auth, directory, name, PosixRules.CheckRemoveName(name));

    /// <summary>RMDIR (RFC 1813 §3.3.13): drops an empty directory.</summary>
    public StoreResult<WccData> Rmdir(AuthContext auth, TId directory, ReadOnlySpan<byte> name) =>
        RemoveEntry<DirectoryRemoval, WccData>(auth, directory, name, PosixRules.CheckRmdirName(name));

    private StoreResult<TResult> RemoveEntry<TRemoval, TResult>(AuthContext auth, TId directory, ReadOnlySpan<byte> name, StoreStatus nameStatus)
        where TRemoval : struct, IRemoval<TResult>
    {
        while (true)
        {
            var childId = Peek(directory, name, nameStatus);
            using var locks = Enter(directory, childId);
            if (!_steps.TryRead(directory, out var parent))
            {
                return StoreStatus.Stale;
            }
            var before = _steps.AttributesOf(parent);
            var status = CheckEntry(auth, parent, name, nameStatus, childId, out var entry, out bool moved);
            if (moved)
            {
                continue;
            }
            var child = status == StoreStatus.Ok ? ReadEntryTarget(childId, ref status) : default!;
            if (status == StoreStatus.Ok && (_steps.AttributesOf(child).Type == FileType.Directory) != TRemoval.RemovesDirectory)
            {
                status = TRemoval.RemovesDirectory ? StoreStatus.NotDir : StoreStatus.IsDir;
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckModifyDirectory(before, auth);
            }
            if (status == StoreStatus.Ok)
            {
                status = PosixRules.CheckSticky(before, _steps.AttributesOf(child), auth);
            }
            if (status == StoreStatus.Ok && TRemoval.RemovesDirectory && _steps.HasEntries(child))
            {
                status = StoreStatus.NotEmpty;
            }
            if (status != StoreStatus.Ok)
            {
                return new StoreResult<TResult>(status, TRemoval.Unchanged(before));
            }
            return TRemoval.Apply(_steps, parent, name, entry, child);
        }
    }

    /// <summary>What differs between REMOVE and RMDIR: which type they take, and their answers.</summary>
    private interface IRemoval<TResult>
    {
        static abstract bool RemovesDirectory { get; }

        static abstract TResult Unchanged(in InodeAttributes directory);

        static abstract StoreResult<TResult> Apply(in TSteps steps, in TNode directory, ReadOnlySpan<byte> name, in TEntry entry, in TNode child);
    }

    private readonly struct FileRemoval : IRemoval<RemoveResult>
    {
        public static bool RemovesDirectory => false;

        public static RemoveResult Unchanged(in InodeAttributes directory) => new(WccData.Unchanged(directory), ContentId.None);

        public static StoreResult<RemoveResult> Apply(in TSteps steps, in TNode directory, ReadOnlySpan<byte> name, in TEntry entry, in TNode child) =>
            steps.ApplyRemove(directory, name, entry, child);
    }

    private readonly struct DirectoryRemoval : IRemoval<WccData>
    {
        public static bool RemovesDirectory => true;

        public static WccData Unchanged(in InodeAttributes directory) => WccData.Unchanged(directory);

        public static StoreResult<WccData> Apply(in TSteps steps, in TNode directory, ReadOnlySpan<byte> name, in TEntry entry, in TNode child) =>
            steps.ApplyRmdir(directory, name, entry, child);
    }
}
