using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb.Consistency;

/// <summary>
/// The offline check of a metadata database (what <c>dittofs fsck</c> runs): every record is read
/// (<see cref="StoreImage"/>), checked against the others, and, when asked, the safe repairs are written:
/// the two records of an entry made to agree, entries naming nothing dropped, unreachable objects removed, link
/// counts, entry counts, last cookies, parents and the file id mark corrected, release-list records naming a live
/// file's content dropped. Nothing is repaired when a record cannot be read, since a newer build's database must
/// not be "fixed" by an older one.
/// <para>
/// The database must not be in use: opening it takes RocksDB's lock, so a running server makes this throw.
/// </para>
/// </summary>
public static class MetadataChecker
{
    private const int OperationsPerBatch = 10_000;

    /// <summary>Checks the database in <paramref name="path"/> (which must exist) and, with <paramref name="repair"/>, repairs it.</summary>
    /// <exception cref="DirectoryNotFoundException">No database at <paramref name="path"/>.</exception>
    /// <exception cref="RocksDbSharp.RocksDbException">The database cannot be opened (in use by a running server, or damaged beyond RocksDB's recovery).</exception>
    public static MetadataCheckReport Check(string path, bool repair)
    {
        if (!File.Exists(Path.Combine(path, "CURRENT")))
        {
            throw new DirectoryNotFoundException($"{path} holds no metadata database (no CURRENT file)");
        }
        using var database = MetadataDatabase.OpenExisting(path);
        var image = StoreImage.Read(database);
        var plan = new CheckPass(image);
        plan.Run();

        string? refused = null;
        bool applied = false;
        if (repair && plan.Findings.Any(f => f.Repairable))
        {
            refused = plan.RepairBlocker;
            if (refused is null)
            {
                Apply(database, plan);
                applied = true;
            }
        }
        var findings = applied ? plan.Findings.Select(f => f.Repairable ? f with { Repaired = true } : f).ToList() : plan.Findings;
        var live = applied ? plan.Desired : image.Inodes;
        return new MetadataCheckReport
        {
            Findings = findings,
            RepairsApplied = applied,
            RepairRefused = refused,
            Inodes = (ulong)live.Count,
            Directories = (ulong)live.Values.Count(r => r.IsDirectory),
            Entries = (ulong)plan.LiveEntries.Count(),
            ContentIdPrefix = image.Identity?.ContentIdPrefix ?? 0,
            ShareRoots = image.ShareRoots,
            ReleasedContent = applied ? image.ReleasedContent.Except(plan.ReleasedInUse).ToHashSet() : image.ReleasedContent,
            Content = live.Values.Where(r => r.Attributes.Type == FileType.Regular && !r.Attributes.ContentId.IsNone)
                .GroupBy(r => r.Attributes.ContentId)
                .ToDictionary(g => g.Key, g => g.Max(r => r.Attributes.Size)),
        };
    }

    /// <summary>Writes the differences between the image and the repaired picture, in batches, then syncs.</summary>
    private static void Apply(MetadataDatabase database, CheckPass plan)
    {
        var batch = new MetadataBatch();
        int operations = 0;
        void Step()
        {
            if (++operations % OperationsPerBatch == 0)
            {
                Write(database, batch);
                batch.Dispose();
                batch = new MetadataBatch();
            }
        }
        try
        {
            // Deletions first: a repair may write a record where a stray one was.
            foreach (var (directory, cookie) in plan.StrayCookieRecords)
            {
                batch.DeleteEntryByCookie(directory, cookie);
                Step();
            }
            foreach (var entry in plan.Image.ByName.Values.Where(e => e.Dropped))
            {
                if (entry.ByNameStored)
                {
                    batch.DeleteEntryByName(entry.Directory, entry.Name);
                }
                if (entry.ByCookieStored)
                {
                    batch.DeleteEntryByCookie(entry.Directory, entry.StoredCookie);
                }
                Step();
            }
            foreach (var entry in plan.Image.ByName.Values.Where(e => !e.Dropped && e.ByCookieStored && e.Cookie != e.StoredCookie))
            {
                batch.DeleteEntryByCookie(entry.Directory, entry.StoredCookie);
                Step();
            }
            foreach (var id in plan.Image.Inodes.Keys.Where(id => !plan.Desired.ContainsKey(id)))
            {
                batch.DeleteInode(id);
                Step();
            }
            foreach (var entry in plan.Image.ByName.Values.Where(e => e.NeedsWrite))
            {
                batch.PutEntry(entry.Directory, entry.Name, entry.Cookie, entry.Child);
                Step();
            }
            foreach (var (id, record) in plan.Desired)
            {
                if (!plan.Image.Inodes.TryGetValue(id, out var stored) || stored != record)
                {
                    batch.PutInode(record);
                    Step();
                }
            }
            foreach (var content in plan.ReleasedInUse)
            {
                batch.DeleteReleasedContent(content);
                Step();
            }
            if (plan.HighWater is { } highWater)
            {
                batch.PutFileIdHighWater(highWater);
            }
            Write(database, batch);
        }
        finally
        {
            batch.Dispose();
        }
        if (database.MakeDurable() is var synced and not StoreStatus.Ok)
        {
            throw new IOException($"syncing the repairs failed: {synced}");
        }
    }

    private static void Write(MetadataDatabase database, MetadataBatch batch)
    {
        if (database.Apply(batch) is var status and not StoreStatus.Ok)
        {
            throw new IOException($"writing repairs failed: {status}");
        }
    }

    /// <summary>The checks, in an order where each works on what the previous ones left: records, entries, names, reachability, counts.</summary>
    private sealed class CheckPass(StoreImage image)
    {
        private readonly List<ConsistencyFinding> _findings = [.. image.Unreadable];
        private readonly HashSet<ulong> _roots = [];
        private bool _rootsBroken;

        public StoreImage Image { get; } = image;
        public List<ConsistencyFinding> Findings => _findings;

        /// <summary>The objects after repair: the image's records, changed or removed.</summary>
        public Dictionary<ulong, InodeRecord> Desired { get; } = new(image.Inodes);

        public List<(ulong Directory, ulong Cookie)> StrayCookieRecords { get; } = [];

        /// <summary>Release-list records naming content a live file still has: a repair drops them.</summary>
        public HashSet<ContentId> ReleasedInUse { get; } = [];
        public ulong? HighWater { get; private set; }

        public IEnumerable<ImageEntry> LiveEntries => Image.ByName.Values.Where(e => !e.Dropped);

        public string? RepairBlocker =>
            Image.Unreadable.Count > 0 ? "the database has records this build cannot read (written by a newer dittofs, or damaged); nothing was changed"
            : Image.Identity is null && Image.Inodes.Count > 0 ? "the database has no identity record; nothing was changed"
            : null;

        public void Run()
        {
            if (Image.Identity is null && Image.Inodes.Count > 0)
            {
                Report(ConsistencyProblem.MissingIdentity, 0, "objects but no store identity (generation, cookie salt, content prefix)", repairable: false);
            }
            PairEntryRecords();
            CheckEntryTargets();
            CheckShareRoots();
            CheckDirectoryNames();
            RemoveUnreachable();
            CheckCounts();
            CheckFileIds();
            CheckReleasedContent();
        }

        /// <summary>Every entry is two records; each must find the other.</summary>
        private void PairEntryRecords()
        {
            var occupied = new HashSet<(ulong, ulong)>();
            foreach (var entry in Image.ByName.Values)
            {
                if (Image.ByCookie.TryGetValue((entry.Directory, entry.Cookie), out var record) && record.Child == entry.Child && record.Name.AsSpan().SequenceEqual(entry.Name))
                {
                    entry.ByCookieStored = true;
                    occupied.Add((entry.Directory, entry.Cookie));
                }
            }
            foreach (var ((directory, cookie), (child, name)) in Image.ByCookie.OrderBy(pair => pair.Key))
            {
                if (occupied.Contains((directory, cookie)))
                {
                    continue;
                }
                var key = (directory, StoreImage.KeyOf(name));
                if (Image.ByName.TryGetValue(key, out var other))
                {
                    StrayCookieRecords.Add((directory, cookie));
                    Report(ConsistencyProblem.StrayCookieRecord, directory, $"directory {directory} cookie {cookie} lists {ImageEntry.Describe(name)} as file {child}, but that name is file {other.Child} at cookie {other.Cookie}", repairable: true);
                    continue;
                }
                var restored = new ImageEntry(directory, name, cookie, child) { ByNameStored = false, ByCookieStored = true };
                Image.ByName[key] = restored;
                occupied.Add((directory, cookie));
                Report(ConsistencyProblem.EntryMissingNameRecord, directory, $"{restored} (file {child}, cookie {cookie}) is listed but cannot be looked up", repairable: true);
            }
            foreach (var entry in Image.ByName.Values.Where(e => e.ByNameStored && !e.ByCookieStored))
            {
                entry.NeedsNewCookie = !occupied.Add((entry.Directory, entry.Cookie));
                Report(ConsistencyProblem.EntryMissingCookieRecord, entry.Directory, $"{entry} (file {entry.Child}, cookie {entry.Cookie}) can be looked up but is not listed", repairable: true);
            }
        }

        private void CheckEntryTargets()
        {
            var rootIds = Image.ShareRoots.Values.ToHashSet();
            foreach (var entry in LiveEntries)
            {
                if (!Image.Inodes.TryGetValue(entry.Directory, out var directory) || !directory.IsDirectory)
                {
                    Drop(entry, ConsistencyProblem.EntryOutsideDirectory, $"{entry} (file {entry.Child}) is in {(directory.Exists ? "a " + directory.Attributes.Type : "no")} object");
                }
                else if (!Image.Inodes.ContainsKey(entry.Child))
                {
                    Drop(entry, ConsistencyProblem.DanglingEntry, $"{entry} names file {entry.Child}, which does not exist");
                }
                else if (rootIds.Contains(entry.Child))
                {
                    Drop(entry, ConsistencyProblem.EntryNamesShareRoot, $"{entry} names share root {entry.Child}");
                }
                else if (PosixRules.CheckNameSyntax(entry.Name) != StoreStatus.Ok || PosixRules.IsDot(entry.Name) || PosixRules.IsDotDot(entry.Name))
                {
                    Report(ConsistencyProblem.InvalidName, entry.Directory, $"{entry} (file {entry.Child}) is not a valid file name", repairable: false);
                }
            }
        }

        private void CheckShareRoots()
        {
            foreach (var (share, rootId) in Image.ShareRoots)
            {
                if (!Image.Inodes.TryGetValue(rootId, out var root) || !root.IsDirectory)
                {
                    _rootsBroken = true;
                    Report(ConsistencyProblem.BrokenShareRoot, rootId, $"share '{share}' has root {rootId}, which is {(root.Exists ? "a " + root.Attributes.Type : "missing")}", repairable: false);
                    continue;
                }
                _roots.Add(rootId);
                if (root.ParentId != rootId)
                {
                    Report(ConsistencyProblem.WrongParent, rootId, $"share '{share}' root {rootId} records parent {root.ParentId}; a root is its own parent", repairable: true);
                    Desired[rootId] = Desired[rootId] with { ParentId = rootId };
                }
            }
        }

        /// <summary>A directory has exactly one name (its "..": the directory holding it), roots none.</summary>
        private void CheckDirectoryNames()
        {
            foreach (var names in LiveEntries.Where(e => Image.Inodes[e.Child].IsDirectory).GroupBy(e => e.Child))
            {
                var record = Desired[names.Key];
                var ordered = names.OrderBy(e => e.Directory != record.ParentId).ThenBy(e => e.Directory).ThenBy(e => e.Cookie).ToList();
                var kept = ordered[0];
                foreach (var extra in ordered.Skip(1))
                {
                    Drop(extra, ConsistencyProblem.DirectoryWithSeveralNames, $"{extra} names directory {names.Key}, which is also {kept}");
                }
                if (record.ParentId != kept.Directory)
                {
                    Report(ConsistencyProblem.WrongParent, names.Key, $"directory {names.Key} records parent {record.ParentId} but is named in directory {kept.Directory}", repairable: true);
                    Desired[names.Key] = record with { ParentId = kept.Directory };
                }
            }
        }

        /// <summary>
        /// Objects no root reaches are removed with the entries in them; when a root is broken nothing is removed,
        /// since a broken root's tree would look unreachable.
        /// </summary>
        private void RemoveUnreachable()
        {
            var children = LiveEntries.ToLookup(e => e.Directory);
            var reached = new Dictionary<ulong, ulong>();
            foreach (ulong root in _roots.Order())
            {
                reached[root] = root;
                var queue = new Queue<ulong>([root]);
                while (queue.TryDequeue(out ulong directory))
                {
                    foreach (var entry in children[directory])
                    {
                        if (reached.TryAdd(entry.Child, root))
                        {
                            if (Image.Inodes[entry.Child].IsDirectory)
                            {
                                queue.Enqueue(entry.Child);
                            }
                        }
                        else if (reached[entry.Child] != root)
                        {
                            Report(ConsistencyProblem.LinkAcrossShares, entry.Directory, $"{entry} names file {entry.Child}, which is under share root {reached[entry.Child]}, from under share root {root}", repairable: false);
                        }
                    }
                }
            }
            CheckShareRootIds(reached);
            bool remove = !_rootsBroken && _roots.Count > 0;
            foreach (var (id, record) in Image.Inodes.Where(pair => !reached.ContainsKey(pair.Key)).OrderBy(pair => pair.Key))
            {
                Report(ConsistencyProblem.OrphanInode, id, $"{record.Attributes.Type} {id} (size {record.Attributes.Size}, links {record.Attributes.LinkCount}) is reachable from no share root", repairable: remove);
                if (remove)
                {
                    Desired.Remove(id);
                    foreach (var entry in children[id])
                    {
                        entry.Dropped = true;
                    }
                }
            }
        }

        /// <summary>
        /// Every object records the share root it lives under (handles are scoped by it, so a wrong one lets a share's
        /// handles reach, or lose, the object). Databases of format 1 have none yet: the store migrates them when it opens.
        /// </summary>
        private void CheckShareRootIds(Dictionary<ulong, ulong> reached)
        {
            if (Image.Identity is not { Format: >= StoreIdentity.CurrentFormat })
            {
                return;
            }
            foreach (var (id, root) in reached.OrderBy(pair => pair.Key))
            {
                var record = Desired[id];
                if (record.RootId != root)
                {
                    Report(ConsistencyProblem.WrongShareRoot, id, $"{record.Attributes.Type} {id} is under share root {root} but records root {record.RootId}", repairable: true);
                    Desired[id] = record with { RootId = root };
                }
            }
        }

        private void CheckCounts()
        {
            var live = LiveEntries.Where(e => Desired.ContainsKey(e.Directory) && Desired.ContainsKey(e.Child)).ToList();
            var names = live.GroupBy(e => e.Child).ToDictionary(g => g.Key, g => g.Count());
            var perDirectory = live.GroupBy(e => e.Directory).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var (id, record) in Desired.OrderBy(pair => pair.Key).ToList())
            {
                var fixedRecord = record.IsDirectory ? CheckDirectoryCounts(record, perDirectory.GetValueOrDefault(id) ?? []) : CheckFileLinks(record, names.GetValueOrDefault(id));
                Desired[id] = fixedRecord;
            }
        }

        private InodeRecord CheckDirectoryCounts(InodeRecord record, List<ImageEntry> entries)
        {
            ulong id = record.Id;
            uint subdirectories = (uint)entries.Count(e => Desired[e.Child].IsDirectory);
            if (record.EntryCount != (ulong)entries.Count)
            {
                Report(ConsistencyProblem.WrongEntryCount, id, $"directory {id} records {record.EntryCount} entries and has {entries.Count}", repairable: true);
                record = record with { EntryCount = (ulong)entries.Count };
            }
            if (record.Attributes.LinkCount != 2 + subdirectories)
            {
                Report(ConsistencyProblem.WrongLinkCount, id, $"directory {id} has link count {record.Attributes.LinkCount}; 2 + {subdirectories} subdirectories is {2 + subdirectories}", repairable: true);
                record = record with { Attributes = record.Attributes with { LinkCount = 2 + subdirectories } };
            }
            ulong lastNeeded = Math.Max(DirectoryCookie.FirstEntry - 1, entries.Where(e => !e.NeedsNewCookie).Select(e => e.Cookie).DefaultIfEmpty(0UL).Max());
            if (record.LastCookie < lastNeeded)
            {
                Report(ConsistencyProblem.CookieBeyondLast, id, $"directory {id} has an entry at cookie {lastNeeded} but records {record.LastCookie} as its last cookie", repairable: true);
                record = record with { LastCookie = lastNeeded };
            }
            foreach (var entry in entries.Where(e => e.NeedsNewCookie || e.Cookie < DirectoryCookie.FirstEntry))
            {
                if (!entry.NeedsNewCookie)
                {
                    Report(ConsistencyProblem.InvalidCookie, id, $"{entry} (file {entry.Child}) is at cookie {entry.Cookie}, which READDIR reserves for . and ..", repairable: true);
                }
                entry.NeedsNewCookie = true;
                entry.Cookie = record.LastCookie + 1;
                record = record with { LastCookie = entry.Cookie };
            }
            return record;
        }

        private InodeRecord CheckFileLinks(InodeRecord record, int names)
        {
            if (names == 0 || record.Attributes.LinkCount == (uint)names)
            {
                return record; // no names at all is an orphan, reported as one
            }
            Report(ConsistencyProblem.WrongLinkCount, record.Id, $"{record.Attributes.Type} {record.Id} has link count {record.Attributes.LinkCount} and {names} names", repairable: true);
            return record with { Attributes = record.Attributes with { LinkCount = (uint)names } };
        }

        private void CheckFileIds()
        {
            if (Image.Inodes.Count == 0)
            {
                return;
            }
            ulong highest = Image.Inodes.Keys.Max();
            ulong mark = Image.FileIdHighWater ?? 0;
            if (highest > mark)
            {
                Report(ConsistencyProblem.FileIdAboveHighWater, highest, $"file id {highest} is above the high-water mark {mark}: a new file could get an id in use", repairable: true);
                HighWater = highest;
            }
            if (Image.Identity is not { } identity)
            {
                return;
            }
            foreach (var record in Image.Inodes.Values.Where(r => r.Attributes.Type == FileType.Regular && r.Attributes.ContentId != identity.ContentIdOf(r.Id)))
            {
                Report(ConsistencyProblem.ContentIdMismatch, record.Id, $"regular file {record.Id} has content {record.Attributes.ContentId}, not {identity.ContentIdOf(record.Id)}", repairable: false);
            }
        }

        /// <summary>
        /// Released content must belong to no file that stays (after the repairs planned so far): the server deletes
        /// what is listed at its next start. A file removed as an orphan here loses its content anyway.
        /// </summary>
        private void CheckReleasedContent()
        {
            if (Image.ReleasedContent.Count == 0)
            {
                return;
            }
            foreach (var record in Desired.Values.Where(r => r.Attributes.Type == FileType.Regular && Image.ReleasedContent.Contains(r.Attributes.ContentId)).OrderBy(r => r.Id))
            {
                if (!ReleasedInUse.Add(record.Attributes.ContentId))
                {
                    continue; // a second file with this content id (a ContentIdMismatch): one finding per record
                }
                Report(ConsistencyProblem.ReleasedContentInUse, record.Id, $"content {record.Attributes.ContentId} is listed as released, but regular file {record.Id} has it: the next start would delete its bytes", repairable: true);
            }
        }

        private void Drop(ImageEntry entry, ConsistencyProblem problem, string detail)
        {
            entry.Dropped = true;
            Report(problem, entry.Directory, detail, repairable: true);
        }

        private void Report(ConsistencyProblem problem, ulong fileId, string detail, bool repairable) =>
            _findings.Add(new ConsistencyFinding(problem, fileId, detail, repairable));
    }
}
