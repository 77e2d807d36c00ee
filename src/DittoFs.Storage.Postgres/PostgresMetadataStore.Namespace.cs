namespace DittoFs.Storage.Postgres;

// CREATE, MKDIR, SYMLINK, MKNOD, LINK, REMOVE, RMDIR, RENAME: each one transaction through the shared skeleton.
public sealed partial class PostgresMetadataStore
{
    private NamespaceChanges<NamespaceSteps, ulong, InodeRow, EntryRow> Namespace(Change change) => new(new NamespaceSteps(this, change));

    public ValueTask<StoreResult<CreateResult>> CreateAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CreateMode mode, SetAttributes attributes, ulong verifier, CancellationToken cancellationToken = default) =>
        Run("create", change => TryResolve(change, directory, out _)
            ? Namespace(change).Create(auth, directory.FileId, name.Span, mode, attributes, verifier)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<CreateResult>> MkdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, SetAttributes attributes, CancellationToken cancellationToken = default) =>
        Add("mkdir", auth, directory, name, new NewNode(FileType.Directory, attributes));

    public ValueTask<StoreResult<CreateResult>> SymlinkAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> target, SetAttributes attributes, CancellationToken cancellationToken = default) =>
        Add("symlink", auth, directory, name, new NewNode(FileType.Symlink, attributes)
        {
            Check = PosixRules.CheckSymlinkTarget(target.Span),
            SymlinkTarget = target.ToArray(),
        });

    public ValueTask<StoreResult<CreateResult>> MknodAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, FileType type, SetAttributes attributes, DeviceNumber device, CancellationToken cancellationToken = default) =>
        Add("mknod", auth, directory, name, new NewNode(type, attributes)
        {
            Check = PosixRules.CheckMknodType(type, auth),
            Device = type is FileType.BlockDevice or FileType.CharDevice ? device : default,
        });

    private ValueTask<StoreResult<CreateResult>> Add(string operation, AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, NewNode node) =>
        Run(operation, change => TryResolve(change, directory, out _)
            ? Namespace(change).Add(auth, directory.FileId, name.Span, node, out _)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<RemoveResult>> RemoveAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Run("remove", change => TryResolve(change, directory, out _)
            ? Namespace(change).Remove(auth, directory.FileId, name.Span)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<WccData>> RmdirAsync(AuthContext auth, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Run("rmdir", change => TryResolve(change, directory, out _)
            ? Namespace(change).Rmdir(auth, directory.FileId, name.Span)
            : StoreStatus.Stale);

    public ValueTask<StoreResult<LinkResult>> LinkAsync(AuthContext auth, FileRef file, FileRef directory, ReadOnlyMemory<byte> name, CancellationToken cancellationToken = default) =>
        Run("link", change =>
        {
            if (!TryResolve(change, file, out var target))
            {
                return StoreStatus.Stale;
            }
            if (!TryResolve(change, directory, out var parent))
            {
                return new StoreResult<LinkResult>(StoreStatus.Stale, new LinkResult(target.Attributes, default));
            }
            if (target.RootId != parent.RootId)
            {
                // Shares are separate file systems, even in one store.
                return new StoreResult<LinkResult>(StoreStatus.XDev, new LinkResult(target.Attributes, default));
            }
            return Namespace(change).Link(auth, file.FileId, directory.FileId, name.Span);
        });

    public ValueTask<StoreResult<RenameResult>> RenameAsync(AuthContext auth, FileRef fromDirectory, ReadOnlyMemory<byte> fromName, FileRef toDirectory, ReadOnlyMemory<byte> toName, CancellationToken cancellationToken = default) =>
        Run("rename", change =>
        {
            if (!TryResolve(change, fromDirectory, out var from) || !TryResolve(change, toDirectory, out var to))
            {
                return StoreStatus.Stale;
            }
            if (from.RootId != to.RootId)
            {
                return StoreStatus.XDev; // shares are separate file systems, even in one store
            }
            return Namespace(change).Rename(auth, fromDirectory.FileId, fromName.Span, toDirectory.FileId, toName.Span);
        });

    /// <summary>A creation's change, checked, written under the directory's row lock: the new object gets its identity and its entry.</summary>
    private StoreResult<CreateResult> AddChild(Change change, in InodeRow parent, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes requested, FileTime now)
    {
        var before = parent.Attributes;
        var attributes = WithIdentity(change, requested);
        var child = attributes.Type == FileType.Directory
            ? InodeRow.NewDirectory(attributes, parent.Id, parent.RootId)
            : new InodeRow { Attributes = attributes, RootId = parent.RootId, SymlinkTarget = node.SymlinkTarget, CreateVerifier = node.CreateVerifier };
        var parentAfter = AddEntry(parent, now, child.IsDirectory ? 1 : 0, out ulong cookie);
        using var batch = new SqlBatch(change);
        batch.PutInode(child);
        batch.PutInode(parentAfter);
        batch.PutEntry(parent.Id, name, cookie, child.Id);
        batch.CountFiles(child.Id, +1);
        batch.Execute();
        return new CreateResult(attributes, new WccData(before.ToWcc(), parentAfter.Attributes));
    }

    /// <summary>LINK's change, checked, written under the row locks of directory and object.</summary>
    private StoreResult<LinkResult> AddLink(Change change, in InodeRow parent, ReadOnlySpan<byte> name, in InodeRow file)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        var parentAfter = AddEntry(parent, now, 0, out ulong cookie);
        var fileAfter = file with { Attributes = PosixRules.AfterLinkCountChange(file.Attributes, now, +1) };
        using var batch = new SqlBatch(change);
        batch.PutInode(parentAfter);
        batch.PutInode(fileAfter);
        batch.PutEntry(parent.Id, name, cookie, file.Id);
        batch.Execute();
        return new LinkResult(fileAfter.Attributes, new WccData(before.ToWcc(), parentAfter.Attributes));
    }

    /// <summary>REMOVE's change, checked, written under the row locks of directory and child.</summary>
    private StoreResult<RemoveResult> RemoveChild(Change change, in InodeRow parent, ReadOnlySpan<byte> name, in InodeRow child)
    {
        var before = parent.Attributes;
        var now = _clock.Now();
        var parentAfter = RemoveEntry(parent, now, 0);
        var childAfter = PosixRules.AfterLinkCountChange(child.Attributes, now, -1);
        using var batch = new SqlBatch(change);
        batch.DeleteEntry(parent.Id, name);
        batch.PutInode(parentAfter);
        bool forgotten = childAfter.LinkCount == 0;
        if (forgotten)
        {
            batch.DeleteInode(child.Id);
            batch.CountFiles(child.Id, -1);
            batch.PutReleasedContent(childAfter.ContentId);
        }
        else
        {
            batch.PutInode(child with { Attributes = childAfter });
        }
        batch.Execute();
        return new RemoveResult(new WccData(before.ToWcc(), parentAfter.Attributes), forgotten ? childAfter.ContentId : ContentId.None);
    }

    /// <summary>RMDIR's change, checked, written under the row locks of both directories.</summary>
    private StoreResult<WccData> RemoveDirectory(Change change, in InodeRow parent, ReadOnlySpan<byte> name, in InodeRow child)
    {
        var before = parent.Attributes;
        var parentAfter = RemoveEntry(parent, _clock.Now(), subdirectoryDelta: -1);
        using var batch = new SqlBatch(change);
        batch.DeleteEntry(parent.Id, name);
        batch.PutInode(parentAfter);
        batch.DeleteInode(child.Id);
        batch.CountFiles(child.Id, -1);
        batch.Execute();
        return new WccData(before.ToWcc(), parentAfter.Attributes);
    }

    /// <summary>
    /// Writes a checked rename: the target's entry and (with its last name) its row go, the source's entry moves, and
    /// both directories change. When both directories are one, each change applies to one row.
    /// </summary>
    private StoreResult<RenameResult> MoveEntry(Change change, in RenameParts<InodeRow, EntryRow> parts)
    {
        var now = _clock.Now();
        bool sameDirectory = parts.From.Id == parts.To.Id;
        int movedSubdirectories = parts.MovesDirectory ? 1 : 0;
        var released = ContentId.None;
        using var batch = new SqlBatch(change);

        var to = parts.To;
        if (parts.HasTarget)
        {
            batch.DeleteEntry(to.Id, parts.ToName);
            to = RemoveEntry(to, now, parts.Target.IsDirectory ? -1 : 0);
            var targetAfter = parts.Target.IsDirectory
                ? parts.Target.Attributes with { LinkCount = 0 }
                : PosixRules.AfterLinkCountChange(parts.Target.Attributes, now, -1);
            if (targetAfter.LinkCount == 0)
            {
                batch.DeleteInode(targetAfter.FileId);
                batch.CountFiles(targetAfter.FileId, -1);
                released = targetAfter.ContentId;
                batch.PutReleasedContent(released);
            }
            else
            {
                batch.PutInode(parts.Target with { Attributes = targetAfter });
            }
        }

        var from = sameDirectory ? to : parts.From;
        batch.DeleteEntry(from.Id, parts.FromName);
        from = RemoveEntry(from, now, -movedSubdirectories);
        to = AddEntry(sameDirectory ? from : to, now, movedSubdirectories, out ulong cookie);
        from = sameDirectory ? to : from;
        batch.PutEntry(to.Id, parts.ToName, cookie, parts.Source.Id);
        batch.PutInode(from);
        if (!sameDirectory)
        {
            batch.PutInode(to);
        }
        // Linux moves the renamed object's ctime too; clients use it to notice the move.
        batch.PutInode(parts.Source with
        {
            Attributes = parts.Source.Attributes with { ChangeTime = now },
            ParentId = parts.MovesDirectory ? to.Id : parts.Source.ParentId,
        });
        batch.Execute();
        return new RenameResult(
            new WccData(parts.From.Attributes.ToWcc(), from.Attributes),
            new WccData(parts.To.Attributes.ToWcc(), to.Attributes),
            released);
    }

    /// <summary>A directory's row after an entry was added: times moved, link count moved, one more entry, the next cookie taken for it.</summary>
    private static InodeRow AddEntry(in InodeRow directory, FileTime now, int subdirectoryDelta, out ulong cookie)
    {
        cookie = directory.LastCookie + 1;
        return directory with
        {
            Attributes = PosixRules.AfterEntryChange(directory.Attributes, now, subdirectoryDelta),
            LastCookie = cookie,
            EntryCount = directory.EntryCount + 1,
        };
    }

    private static InodeRow RemoveEntry(in InodeRow directory, FileTime now, int subdirectoryDelta) => directory with
    {
        Attributes = PosixRules.AfterEntryChange(directory.Attributes, now, subdirectoryDelta),
        EntryCount = directory.EntryCount - 1,
    };

    /// <summary>
    /// How this store finds, locks, reads and writes in the shared namespace changes: an object is its file id (0 for
    /// none) and is read as its row; an entry is its (cookie, child) row. <see cref="AddLock"/> only notes the id: the
    /// rows are locked together, in ascending id order, by the first read after the skeleton entered its locks
    /// (<see cref="Sql.TakePendingLocks"/>), and stay locked until the transaction ends. The skeleton's
    /// <see cref="OrderedLocks"/> holds no in-process lock at all: a wait the database cannot see could close a
    /// deadlock it cannot detect.
    /// </summary>
    private readonly struct NamespaceSteps(PostgresMetadataStore store, Change change) : INamespaceSteps<ulong, InodeRow, EntryRow>
    {
        public FileClock Clock => store._clock;

        /// <summary>
        /// Asked for only by a rename that moves a directory to another parent (to enter, then to exit): the real gate
        /// is an advisory lock, taken before the rows (<see cref="Sql.TakePendingLocks"/>) and held to the commit.
        /// </summary>
        public Lock RenameGate
        {
            get
            {
                change.RenameGateWanted = true;
                return change.RenameGateStandIn;
            }
        }

        public ulong Peek(ulong directory, ReadOnlySpan<byte> name) => Sql.ReadEntry(change, directory, name).ChildId;

        public bool IsDirectory(ulong id) => Sql.ReadInode(change, id).IsDirectory;

        public void AddLock(ref OrderedLocks locks, ulong id)
        {
            if (id != 0)
            {
                change.PendingLocks.Add(id);
            }
        }

        public bool TryRead(ulong id, out InodeRow node)
        {
            Sql.TakePendingLocks(change);
            node = Sql.ReadLocked(change, id);
            return node.Exists;
        }

        public InodeAttributes AttributesOf(in InodeRow node) => node.Attributes;

        public EntryRow Find(in InodeRow directory, ReadOnlySpan<byte> name) => Sql.ReadEntry(change, directory.Id, name);

        public ulong ChildOf(in EntryRow entry) => entry.ChildId;

        public bool HasEntries(in InodeRow node) => node.EntryCount > 0;

        public bool IsSelfOrAncestor(in InodeRow candidate, in InodeRow directory) => Sql.IsSelfOrAncestor(change, candidate.Id, directory.Id);

        public bool TryReserveFileSlot() => store.HasFileSlot(change);

        public StoreResult<CreateResult> ApplyCreate(in InodeRow directory, ReadOnlySpan<byte> name, in NewNode node, in InodeAttributes attributes, FileTime now) =>
            store.AddChild(change, directory, name, node, attributes, now);

        public StoreResult<LinkResult> ApplyLink(in InodeRow directory, ReadOnlySpan<byte> name, in InodeRow file) =>
            store.AddLink(change, directory, name, file);

        public StoreResult<RemoveResult> ApplyRemove(in InodeRow directory, ReadOnlySpan<byte> name, in EntryRow entry, in InodeRow child) =>
            store.RemoveChild(change, directory, name, child);

        public StoreResult<WccData> ApplyRmdir(in InodeRow directory, ReadOnlySpan<byte> name, in EntryRow entry, in InodeRow child) =>
            store.RemoveDirectory(change, directory, name, child);

        public StoreResult<RenameResult> ApplyRename(in RenameParts<InodeRow, EntryRow> parts, in RenameResult unchanged) =>
            store.MoveEntry(change, parts);

        public bool TryReadExisting(ulong id, out InodeAttributes attributes, out ulong? createVerifier)
        {
            var row = Sql.ReadInode(change, id);
            attributes = row.Attributes;
            createVerifier = row.CreateVerifier;
            return row.Exists;
        }

        public StoreResult<WccData> ChangeAttributes(AuthContext auth, ulong id, in SetAttributes changes) =>
            store.ChangeAttributes(change, auth, id, changes, guardChangeTime: null);
    }
}
