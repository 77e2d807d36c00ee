using System.Data;
using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>One problem <see cref="PostgresChecker"/> found: its kind (named as fsck's RocksDB problems are), the file, what is wrong.</summary>
public sealed record PostgresFinding(string Problem, ulong FileId, string Detail);

/// <summary>What <see cref="PostgresChecker"/> read and found in one database.</summary>
public sealed class PostgresCheckResult
{
    public required IReadOnlyList<PostgresFinding> Findings { get; init; }
    public ulong Inodes { get; init; }
    public ulong Directories { get; init; }
    public ulong Entries { get; init; }

    /// <summary>The high half of every content id of this store.</summary>
    public ulong ContentIdPrefix { get; init; }

    public required IReadOnlyDictionary<string, ulong> ShareRoots { get; init; }

    /// <summary>The content of every regular file with the file's size, at the check's snapshot.</summary>
    public required IReadOnlyDictionary<ContentId, ulong> Content { get; init; }

    /// <summary>The release list at the check's snapshot: content the servers delete once its grace passed.</summary>
    public required IReadOnlySet<ContentId> ReleasedContent { get; init; }
}

/// <summary>
/// Checks a PostgreSQL metadata store's tables against each other (for <c>dittofs fsck</c>), read-only, in one
/// REPEATABLE READ transaction: one consistent snapshot, so servers may keep serving meanwhile (each of their changes
/// is one transaction: the snapshot sees it whole or not at all). Checks: every entry names an existing object and
/// lies in a directory; every object but a share root has a name, a directory exactly one (its parent); link counts
/// (a non-directory: its names; a directory: 2 + its subdirectories) and directory entry counts; share roots exist
/// and are directories; no released content is a live file's; the striped object count matches the objects.
/// Repairs are not made here: the database's constraints and transactions make these findings the sign of a bug or
/// of hand edits, to be looked at, not patched over while servers serve.
/// </summary>
public static class PostgresChecker
{
    /// <summary>
    /// Checks the store at <paramref name="connectionString"/> (<paramref name="password"/> separately, never in
    /// messages). Null when the database has no DittoFs tables yet. Throws <see cref="PostgresSchemaException"/> for
    /// a schema newer than this build knows, <see cref="PostgresUnavailableException"/> when it cannot connect.
    /// </summary>
    public static PostgresCheckResult? Check(string connectionString, string? password)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (password is not null)
        {
            builder.Password = password;
        }
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new PostgresUnavailableException($"PostgreSQL database '{builder.Database}' at {builder.Host}:{builder.Port} cannot be reached: {exception.Message}", exception);
        }
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        if (Scalar<string>(connection, transaction, "SELECT to_regclass('dittofs_schema')::text") is null)
        {
            return null;
        }
        int version = Scalar<int>(connection, transaction, "SELECT coalesce(max(version), 0) FROM dittofs_schema");
        if (version > Schema.LatestVersion)
        {
            throw new PostgresSchemaException(
                $"PostgreSQL database {builder.Database} has DittoFs schema version {version}, newer than this build knows (up to {Schema.LatestVersion}): check it with that version",
                version, Schema.LatestVersion);
        }
        var findings = new List<PostgresFinding>();
        void Find(string problem, string sql, Func<NpgsqlDataReader, (ulong FileId, string Detail)> describe)
        {
            using var command = new NpgsqlCommand(sql, connection, transaction);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var (fileId, detail) = describe(reader);
                findings.Add(new PostgresFinding(problem, fileId, detail));
            }
        }
        static ulong U(NpgsqlDataReader reader, int column) => unchecked((ulong)reader.GetInt64(column));

        ulong prefix = unchecked((ulong)Scalar<long>(connection, transaction, "SELECT content_prefix FROM store_identity"));
        const int Directory = (int)FileType.Directory;
        const int Regular = (int)FileType.Regular;

        Find("DanglingEntry", "SELECT e.dir_id, e.child_id, encode(e.name, 'escape') FROM entries e LEFT JOIN inodes i ON i.id = e.child_id WHERE i.id IS NULL ORDER BY e.dir_id, e.name",
            r => (U(r, 1), $"entry '{r.GetString(2)}' in directory {U(r, 0)} names object {U(r, 1)}, which does not exist"));
        Find("EntryOutsideDirectory", $"SELECT e.dir_id, encode(e.name, 'escape') FROM entries e LEFT JOIN inodes d ON d.id = e.dir_id WHERE d.id IS NULL OR d.type <> {Directory} ORDER BY e.dir_id, e.name",
            r => (U(r, 0), $"entry '{r.GetString(1)}' is in {U(r, 0)}, which is not an existing directory"));
        Find("BrokenShareRoot", $"SELECT s.name, s.root_id FROM shares s LEFT JOIN inodes i ON i.id = s.root_id WHERE i.id IS NULL OR i.type <> {Directory} ORDER BY s.name",
            r => (U(r, 1), $"share '{r.GetString(0)}' has root {U(r, 1)}, which is not an existing directory"));
        Find("OrphanInode", """
            SELECT i.id, i.type FROM inodes i
            WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.child_id = i.id) AND NOT EXISTS (SELECT 1 FROM shares s WHERE s.root_id = i.id)
            ORDER BY i.id
            """,
            r => (U(r, 0), $"object {U(r, 0)} (type {(FileType)r.GetInt16(1)}) has no name and is no share's root"));
        Find("DirectoryWithSeveralNames", $"SELECT e.child_id, count(*) FROM entries e JOIN inodes i ON i.id = e.child_id WHERE i.type = {Directory} GROUP BY e.child_id HAVING count(*) > 1 ORDER BY e.child_id",
            r => (U(r, 0), $"directory {U(r, 0)} has {r.GetInt64(1)} names"));
        Find("WrongParent", $"SELECT i.id, i.parent_id, e.dir_id FROM inodes i JOIN entries e ON e.child_id = i.id WHERE i.type = {Directory} AND i.parent_id <> e.dir_id ORDER BY i.id",
            r => (U(r, 0), $"directory {U(r, 0)} records parent {U(r, 1)} but is named in {U(r, 2)}"));
        Find("WrongLinkCount", $"""
            SELECT i.id, i.link_count, count(e.child_id) FROM inodes i LEFT JOIN entries e ON e.child_id = i.id
            WHERE i.type <> {Directory} GROUP BY i.id, i.link_count HAVING i.link_count <> count(e.child_id) ORDER BY i.id
            """,
            r => (U(r, 0), $"object {U(r, 0)} has link count {r.GetInt64(1)} but {r.GetInt64(2)} name(s)"));
        Find("WrongLinkCount", $"""
            SELECT d.id, d.link_count, 2 + count(c.id) FROM inodes d LEFT JOIN entries e ON e.dir_id = d.id LEFT JOIN inodes c ON c.id = e.child_id AND c.type = {Directory}
            WHERE d.type = {Directory} GROUP BY d.id, d.link_count HAVING d.link_count <> 2 + count(c.id) ORDER BY d.id
            """,
            r => (U(r, 0), $"directory {U(r, 0)} has link count {r.GetInt64(1)} but should have {r.GetInt64(2)} (2 + its subdirectories)"));
        Find("WrongEntryCount", $"""
            SELECT d.id, d.entry_count, count(e.dir_id) FROM inodes d LEFT JOIN entries e ON e.dir_id = d.id
            WHERE d.type = {Directory} GROUP BY d.id, d.entry_count HAVING d.entry_count <> count(e.dir_id) ORDER BY d.id
            """,
            r => (U(r, 0), $"directory {U(r, 0)} records {r.GetInt64(1)} entries but has {r.GetInt64(2)}"));
        Find("CookieBeyondLast", $"SELECT d.id, d.last_cookie, max(e.cookie) FROM inodes d JOIN entries e ON e.dir_id = d.id WHERE d.type = {Directory} GROUP BY d.id, d.last_cookie HAVING max(e.cookie) > d.last_cookie ORDER BY d.id",
            r => (U(r, 0), $"directory {U(r, 0)} has an entry with cookie {r.GetInt64(2)} past its last cookie {r.GetInt64(1)}: a new entry could get it again"));
        Find("ReleasedContentInUse", $"SELECT i.id, i.content_hi, i.content_lo FROM inodes i JOIN released_content r ON r.content_hi = i.content_hi AND r.content_lo = i.content_lo WHERE i.type = {Regular} ORDER BY i.id",
            r => (U(r, 0), $"content {new ContentId(new UInt128(U(r, 1), U(r, 2)))} is listed as released, but regular file {U(r, 0)} has it: a server would delete its bytes"));
        Find("FileIdAboveHighWater", "SELECT id FROM inodes WHERE id > (SELECT last_value FROM file_ids) ORDER BY id",
            r => (U(r, 0), $"object {U(r, 0)} has an id the file id sequence has not handed out yet: a new file could get it again"));

        ulong inodes = unchecked((ulong)Scalar<long>(connection, transaction, "SELECT count(*) FROM inodes"));
        long counted = Scalar<long>(connection, transaction, "SELECT coalesce(sum(count), 0)::bigint FROM file_counts");
        if (counted != (long)inodes)
        {
            findings.Add(new PostgresFinding("WrongEntryCount", 0, $"the object count (file_counts, for FSSTAT) is {counted} but there are {inodes} objects"));
        }

        var shareRoots = new Dictionary<string, ulong>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand("SELECT name, root_id FROM shares", connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                shareRoots[reader.GetString(0)] = U(reader, 1);
            }
        }
        var content = new Dictionary<ContentId, ulong>();
        using (var command = new NpgsqlCommand($"SELECT content_hi, content_lo, size FROM inodes WHERE type = {Regular}", connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                content[new ContentId(new UInt128(U(reader, 0), U(reader, 1)))] = U(reader, 2);
            }
        }
        var released = new HashSet<ContentId>();
        using (var command = new NpgsqlCommand("SELECT content_hi, content_lo FROM released_content", connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                released.Add(new ContentId(new UInt128(U(reader, 0), U(reader, 1))));
            }
        }
        var result = new PostgresCheckResult
        {
            Findings = findings,
            Inodes = inodes,
            Directories = unchecked((ulong)Scalar<long>(connection, transaction, $"SELECT count(*) FROM inodes WHERE type = {Directory}")),
            Entries = unchecked((ulong)Scalar<long>(connection, transaction, "SELECT count(*) FROM entries")),
            ContentIdPrefix = prefix,
            ShareRoots = shareRoots,
            Content = content,
            ReleasedContent = released,
        };
        transaction.Commit();
        return result;
    }

    /// <summary>
    /// Which of <paramref name="contents"/> are a regular file's now (with its size) and which are on the release list
    /// now: a fresh read after the check's snapshot, for content fsck found in the content store after it, which may
    /// belong to a file created, or released, since.
    /// </summary>
    public static (Dictionary<ContentId, ulong> Live, HashSet<ContentId> Released) Recheck(string connectionString, string? password, IReadOnlyCollection<ContentId> contents)
    {
        var live = new Dictionary<ContentId, ulong>();
        var released = new HashSet<ContentId>();
        if (contents.Count == 0)
        {
            return (live, released);
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (password is not null)
        {
            builder.Password = password;
        }
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        var his = contents.Select(c => unchecked((long)(ulong)(c.Value >> 64))).ToArray();
        var los = contents.Select(c => unchecked((long)(ulong)c.Value)).ToArray();
        using (var command = new NpgsqlCommand(
            $"SELECT i.content_hi, i.content_lo, i.size FROM inodes i JOIN unnest($1::bigint[], $2::bigint[]) AS c(hi, lo) ON i.content_hi = c.hi AND i.content_lo = c.lo WHERE i.type = {(int)FileType.Regular}",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = his });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = los });
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                live[new ContentId(new UInt128(unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1))))] = unchecked((ulong)reader.GetInt64(2));
            }
        }
        using (var command = new NpgsqlCommand(
            "SELECT r.content_hi, r.content_lo FROM released_content r JOIN unnest($1::bigint[], $2::bigint[]) AS c(hi, lo) ON r.content_hi = c.hi AND r.content_lo = c.lo",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = his });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = los });
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                released.Add(new ContentId(new UInt128(unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)))));
            }
        }
        transaction.Commit();
        return (live, released);
    }

    private static T Scalar<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return command.ExecuteScalar() is T value ? value : default!;
    }
}
