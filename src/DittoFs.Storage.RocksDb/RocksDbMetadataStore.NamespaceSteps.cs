using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

public sealed partial class RocksDbMetadataStore
{
    /// <summary>
    /// How this store finds, locks, reads and writes in the shared namespace changes (<see cref="NamespaceChanges{TSteps, TId, TNode, TEntry}"/>):
    /// an object is its file id (0 for none), locked through the lock table (<see cref="InodeLocks"/>) and read as its
    /// record; an entry is its by-name record, whose cookie a change needs to drop it. Each change is written as one batch.
    /// </summary>
    private readonly struct NamespaceSteps(RocksDbMetadataStore store) : INamespaceSteps<ulong, InodeRecord, EntryRecords.NamedEntry>
    {
        public FileClock Clock => store._clock;

        public Lock RenameGate => store._renameGate;

        /// <summary>Read without locks (each record is read whole); the change then locks both together and confirms.</summary>
        public ulong Peek(ulong directory, ReadOnlySpan<byte> name) => store._db.GetEntry(directory, name).ChildId;

        public bool IsDirectory(ulong id) => store._db.GetInode(id).IsDirectory;

        public void AddLock(ref OrderedLocks locks, ulong id) => store._locks.Add(ref locks, id);

        public bool TryRead(ulong id, out InodeRecord node)
        {
            node = store._db.GetInode(id);
            return node.Exists;
        }

        public InodeAttributes AttributesOf(in InodeRecord node) => node.Attributes;

        public EntryRecords.NamedEntry Find(in InodeRecord directory, ReadOnlySpan<byte> name) => store._db.GetEntry(directory.Id, name);

        public ulong ChildOf(in EntryRecords.NamedEntry entry) => entry.ChildId;

        public bool HasEntries(in InodeRecord node) => node.EntryCount > 0;

        public bool IsSelfOrAncestor(in InodeRecord candidate, in InodeRecord directory) => store.IsSelfOrAncestor(candidate.Id, directory.Id);

        public bool TryReserveFileSlot() => store.TryReserveFileSlot();

        public StoreResult<CreateResult> ApplyCreate(in InodeRecord directory, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes attributes, FileTime now) =>
            store.AddChild(directory, name, node, attributes, now);

        public StoreResult<LinkResult> ApplyLink(in InodeRecord directory, ReadOnlySpan<byte> name, in InodeRecord file) =>
            store.AddLink(directory, name, file);

        public StoreResult<RemoveResult> ApplyRemove(in InodeRecord directory, ReadOnlySpan<byte> name, in EntryRecords.NamedEntry entry, in InodeRecord child) =>
            store.RemoveChild(directory, name, entry, child);

        public StoreResult<WccData> ApplyRmdir(in InodeRecord directory, ReadOnlySpan<byte> name, in EntryRecords.NamedEntry entry, in InodeRecord child) =>
            store.RemoveDirectory(directory, name, entry, child);

        public StoreResult<RenameResult> ApplyRename(in RenameParts<InodeRecord, EntryRecords.NamedEntry> parts, in RenameResult unchanged) =>
            store.MoveEntry(parts, unchanged);

        public bool TryReadExisting(ulong id, out InodeAttributes attributes, out ulong? createVerifier)
        {
            var record = store._db.GetInode(id);
            attributes = record.Attributes;
            createVerifier = record.CreateVerifier;
            return record.Exists;
        }

        public StoreResult<WccData> ChangeAttributes(AuthContext auth, ulong id, in SetAttributes changes) =>
            store.ChangeAttributes(auth, id, changes, guardChangeTime: null);
    }
}
