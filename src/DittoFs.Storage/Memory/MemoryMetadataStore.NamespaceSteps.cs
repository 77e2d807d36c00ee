namespace DittoFs.Storage.Memory;

public sealed partial class MemoryMetadataStore
{
    /// <summary>
    /// How this store finds, locks, reads and writes in the shared namespace changes (<see cref="NamespaceChanges{TSteps, TId, TNode, TEntry}"/>):
    /// an object is its <see cref="Inode"/>, locked by its own gate (<see cref="InodeLocks"/>) and gone once removed;
    /// an entry is the inode it names.
    /// </summary>
    private readonly struct NamespaceSteps(MemoryMetadataStore store) : INamespaceSteps<Inode?, Inode, Inode?>
    {
        public FileClock Clock => store._clock;

        public Lock RenameGate => store._renameGate;

        /// <summary>Read under the directory's lock only; the change then locks both together and confirms.</summary>
        public Inode? Peek(Inode? directory, ReadOnlySpan<byte> name)
        {
            if (!directory!.IsDirectory)
            {
                return null;
            }
            lock (directory.Gate)
            {
                return directory.IsRemoved ? null : directory.Entries!.Find(name);
            }
        }

        public bool IsDirectory(Inode? id) => id!.IsDirectory;

        public void AddLock(ref OrderedLocks locks, Inode? id) => InodeLocks.Add(ref locks, id);

        public bool TryRead(Inode? id, out Inode node)
        {
            node = id!;
            return !node.IsRemoved;
        }

        public InodeAttributes AttributesOf(in Inode node) => node.Attributes;

        public Inode? Find(in Inode directory, ReadOnlySpan<byte> name) => directory.Entries!.Find(name);

        public Inode? ChildOf(in Inode? entry) => entry;

        public bool HasEntries(in Inode node) => node.Entries is { Count: > 0 };

        public bool IsSelfOrAncestor(in Inode candidate, in Inode directory) => MemoryMetadataStore.IsSelfOrAncestor(candidate, directory);

        public bool TryReserveFileSlot() => store.TryReserveFileSlot();

        public StoreResult<CreateResult> ApplyCreate(in Inode directory, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes attributes, FileTime now) =>
            store.AddChild(directory, name, node, attributes, now);

        public StoreResult<LinkResult> ApplyLink(in Inode directory, ReadOnlySpan<byte> name, in Inode file) =>
            store.AddLink(directory, name, file);

        public StoreResult<RemoveResult> ApplyRemove(in Inode directory, ReadOnlySpan<byte> name, in Inode? entry, in Inode child) =>
            store.RemoveChild(directory, name, child);

        public StoreResult<WccData> ApplyRmdir(in Inode directory, ReadOnlySpan<byte> name, in Inode? entry, in Inode child) =>
            store.RemoveDirectory(directory, name, child);

        public StoreResult<RenameResult> ApplyRename(in RenameParts<Inode, Inode?> parts, in RenameResult unchanged) =>
            store.MoveEntry(parts);

        public bool TryReadExisting(Inode? id, out InodeAttributes attributes, out ulong? createVerifier)
        {
            createVerifier = id!.CreateVerifier;
            return TrySnapshot(id, out attributes);
        }

        public StoreResult<WccData> ChangeAttributes(AuthContext auth, Inode? id, in SetAttributes changes) =>
            store.ChangeAttributes(auth, id!, changes, guardChangeTime: null);
    }
}
