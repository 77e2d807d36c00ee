using DittoFs.Storage.RocksDb.Records;

namespace DittoFs.Storage.RocksDb;

/// <summary>
/// Upgrades a format-1 database, whose inode records do not name the share root they live under, to format 2: every
/// share's tree is walked once from its root and each object reached is rewritten with that root. It runs when such
/// a database is opened, before any call; it is idempotent, so a crash part-way leaves format 1 and the next open runs
/// it again. Objects no share reaches keep root 0, which no scoped reference (no client handle) can name.
/// </summary>
internal static class ShareRootMigration
{
    private const int RecordsPerBatch = 4096;

    public static void Run(MetadataDatabase db, StoreIdentity identity)
    {
        if (identity.Format != StoreIdentity.FormatWithoutRoots)
        {
            return;
        }
        var batch = new MetadataBatch();
        int pending = 0;
        try
        {
            foreach (ulong rootId in db.ListShareRoots())
            {
                // Directories form a tree (no directory hard links), so each is visited once; the set guards against a damaged one.
                var visited = new HashSet<ulong>();
                var directories = new Stack<ulong>();
                directories.Push(rootId);
                while (directories.Count > 0)
                {
                    ulong directoryId = directories.Pop();
                    if (!visited.Add(directoryId) || Rewrite(db, batch, directoryId, rootId) is not { IsDirectory: true })
                    {
                        continue;
                    }
                    pending++;
                    foreach (ulong childId in db.ListChildren(directoryId))
                    {
                        if (db.GetInode(childId) is { Exists: true, IsDirectory: true })
                        {
                            directories.Push(childId);
                        }
                        else if (Rewrite(db, batch, childId, rootId) is not null)
                        {
                            pending++;
                        }
                        if (pending >= RecordsPerBatch)
                        {
                            Apply(db, batch);
                            batch.Dispose();
                            batch = new MetadataBatch();
                            pending = 0;
                        }
                    }
                }
            }
            Apply(db, batch);
        }
        finally
        {
            batch.Dispose();
        }
        if (db.MakeDurable() != StoreStatus.Ok)
        {
            throw new IOException("Could not sync the share-root migration of the metadata database.");
        }
        db.WriteIdentity(identity with { Format = StoreIdentity.CurrentFormat });
    }

    private static InodeRecord? Rewrite(MetadataDatabase db, MetadataBatch batch, ulong fileId, ulong rootId)
    {
        var record = db.GetInode(fileId);
        if (!record.Exists)
        {
            return null;
        }
        batch.PutInode(record with { RootId = rootId });
        return record;
    }

    private static void Apply(MetadataDatabase db, MetadataBatch batch)
    {
        if (db.Apply(batch) != StoreStatus.Ok)
        {
            throw new IOException("Could not write the share-root migration of the metadata database.");
        }
    }
}
