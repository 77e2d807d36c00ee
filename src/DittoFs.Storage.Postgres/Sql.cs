using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>An entry as read from table <c>entries</c>: its cookie and what it names (0 for no entry).</summary>
internal readonly record struct EntryRow(ulong Cookie, ulong ChildId);

/// <summary>The store's reads, each one statement in the change's transaction (READ COMMITTED: it sees every commit before it).</summary>
internal static class Sql
{
    /// <summary>Key of the advisory lock that is the store-wide rename gate ("DittoRen").</summary>
    public const long RenameGateKey = 0x446974746F52656E;

    /// <summary>Key of the advisory lock share-root creation holds ("DittoRoo").</summary>
    public const long RootsGateKey = 0x446974746F526F6F;

    private static readonly string SelectInode = $"SELECT {InodeRow.Columns()} FROM inodes WHERE id = $1";

    public static long Signed(ulong value) => unchecked((long)value);

    public static InodeRow ReadInode(Change change, ulong fileId)
    {
        if (fileId == 0 || fileId > long.MaxValue)
        {
            return default;
        }
        using var command = change.Command(SelectInode);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Signed(fileId) });
        using var reader = command.ExecuteReader();
        return reader.Read() ? InodeRow.Read(reader) : default;
    }

    public static EntryRow ReadEntry(Change change, ulong directoryId, ReadOnlySpan<byte> name)
    {
        using var command = change.Command("SELECT cookie, child_id FROM entries WHERE dir_id = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Signed(directoryId) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = name.ToArray() });
        using var reader = command.ExecuteReader();
        return reader.Read() ? new EntryRow(unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1))) : default;
    }

    /// <summary>The object an entry names, read with the entry in one statement; default when there is none.</summary>
    public static InodeRow ReadChild(Change change, ulong directoryId, ReadOnlySpan<byte> name)
    {
        using var command = change.Command(
            $"SELECT {InodeRow.Columns("i")} FROM entries e JOIN inodes i ON i.id = e.child_id WHERE e.dir_id = $1 AND e.name = $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Signed(directoryId) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = name.ToArray() });
        using var reader = command.ExecuteReader();
        return reader.Read() ? InodeRow.Read(reader) : default;
    }

    /// <summary>
    /// Takes the locks a namespace change asked for: the rename gate first when wanted (an advisory lock held to the
    /// transaction's end), then the rows of the pending file ids, in ascending id order in one statement (the rows
    /// are locked as the sorted rows are produced), so every server takes row locks in one global order.
    /// </summary>
    public static void TakePendingLocks(Change change)
    {
        if (change.RenameGateWanted && !change.RenameGateHeld)
        {
            using var gate = change.Command($"SELECT pg_advisory_xact_lock({RenameGateKey})");
            gate.ExecuteNonQuery();
            change.RenameGateHeld = true;
        }
        if (change.PendingLocks.Count == 0)
        {
            return;
        }
        var ids = change.PendingLocks.Select(Signed).ToArray();
        change.PendingLocks.Clear();
        using var command = change.Command(LockInodes);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = InodeRow.Read(reader);
            change.LockedRows[row.Id] = row;
        }
    }

    private static readonly string LockInodes = $"SELECT {InodeRow.Columns()} FROM inodes WHERE id = ANY($1) ORDER BY id FOR UPDATE";

    /// <summary>A row this transaction has locked, as the lock returned it; read afresh when it was not among those (gone, or not locked).</summary>
    public static InodeRow ReadLocked(Change change, ulong fileId) =>
        change.LockedRows.TryGetValue(fileId, out var row) ? row : ReadInode(change, fileId);

    /// <summary>Takes a transaction-level advisory lock (released at commit or rollback).</summary>
    public static void AdvisoryLock(Change change, long key)
    {
        using var command = change.Command($"SELECT pg_advisory_xact_lock({key})");
        command.ExecuteNonQuery();
    }

    public static ulong NextFileId(Change change)
    {
        using var command = change.Command("SELECT nextval('file_ids')");
        return unchecked((ulong)(long)command.ExecuteScalar()!);
    }

    public static ulong CountFiles(Change change)
    {
        using var command = change.Command("SELECT coalesce(sum(count), 0)::bigint FROM file_counts");
        long count = (long)command.ExecuteScalar()!;
        return count < 0 ? 0 : (ulong)count;
    }

    /// <summary>Whether <paramref name="candidateId"/> is <paramref name="directoryId"/> or one of its ancestors: one recursive walk up the parent ids.</summary>
    public static bool IsSelfOrAncestor(Change change, ulong candidateId, ulong directoryId)
    {
        using var command = change.Command("""
            WITH RECURSIVE up (id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM inodes WHERE id = $1
                UNION ALL
                SELECT i.id, i.parent_id, up.depth + 1 FROM inodes i JOIN up ON i.id = up.parent_id
                WHERE up.parent_id <> up.id AND up.depth < 1000000)
            SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Signed(directoryId) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Signed(candidateId) });
        return (bool)command.ExecuteScalar()!;
    }

    public static ulong ShareRoot(Change change, string shareName)
    {
        using var command = change.Command("SELECT root_id FROM shares WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shareName });
        return command.ExecuteScalar() is long id ? unchecked((ulong)id) : 0;
    }
}

/// <summary>
/// The writes of one change, sent to the server together in one round trip (an <see cref="NpgsqlBatch"/>) inside the
/// change's transaction, so they commit or vanish together.
/// </summary>
internal sealed class SqlBatch(Change change) : IDisposable
{
    private static readonly string UpsertInode =
        $"INSERT INTO inodes ({InodeRow.Columns()}) VALUES ({string.Join(", ", InodeRow.ColumnNames.Select((_, i) => $"${i + 1}"))}) " +
        $"ON CONFLICT (id) DO UPDATE SET {string.Join(", ", InodeRow.ColumnNames.Skip(1).Select(c => $"{c} = EXCLUDED.{c}"))}";

    private readonly NpgsqlBatch _batch = new(change.Connection, change.Transaction);

    public void PutInode(in InodeRow row)
    {
        var command = new NpgsqlBatchCommand(UpsertInode);
        row.AddParameters(command.Parameters);
        _batch.BatchCommands.Add(command);
    }

    public void DeleteInode(ulong fileId) =>
        Add("DELETE FROM inodes WHERE id = $1", Sql.Signed(fileId));

    public void PutEntry(ulong directoryId, ReadOnlySpan<byte> name, ulong cookie, ulong childId)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO entries (dir_id, name, cookie, child_id) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(directoryId) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = name.ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(cookie) });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(childId) });
        _batch.BatchCommands.Add(command);
    }

    public void DeleteEntry(ulong directoryId, ReadOnlySpan<byte> name)
    {
        var command = new NpgsqlBatchCommand("DELETE FROM entries WHERE dir_id = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(directoryId) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = name.ToArray() });
        _batch.BatchCommands.Add(command);
    }

    public void PutShareRoot(string shareName, ulong rootId)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO shares (name, root_id) VALUES ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shareName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Sql.Signed(rootId) });
        _batch.BatchCommands.Add(command);
    }

    /// <summary>Records that a file's content waits for deletion, in the change that took the file's last name.</summary>
    public void PutReleasedContent(ContentId content)
    {
        if (!content.IsNone)
        {
            Add("INSERT INTO released_content (content_hi, content_lo) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                Sql.Signed((ulong)(content.Value >> 64)), Sql.Signed((ulong)content.Value));
        }
    }

    /// <summary>Moves the object count by <paramref name="delta"/>, on the count row the file id picks.</summary>
    public void CountFiles(ulong fileId, int delta) =>
        Add("UPDATE file_counts SET count = count + $2 WHERE slot = $1", (long)(fileId % Schema.CountSlots), delta);

    public void Execute()
    {
        if (_batch.BatchCommands.Count > 0)
        {
            change.LockedRows.Clear();
            _batch.ExecuteNonQuery();
        }
    }

    public void Dispose() => _batch.Dispose();

    private void Add(string sql, long first, long second = 0)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
        if (sql.Contains("$2", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = second });
        }
        _batch.BatchCommands.Add(command);
    }
}
