using System.Security.Cryptography;
using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// The store's tables, created and upgraded by the store when it opens. Table <c>dittofs_schema</c> lists the
/// migrations applied (one row per version). Opening applies the missing ones in one transaction under an advisory
/// lock, so several servers starting together on a new database migrate it once; a database whose schema is newer
/// than this build knows is refused (<see cref="PostgresSchemaException"/>): an older build could misread it.
/// </summary>
internal static class Schema
{
    /// <summary>Key of the transaction-level advisory lock migrations hold ("DittoMig").</summary>
    private const long MigrationLockKey = 0x446974746F4D6967;

    /// <summary>The migrations, version i+1 at index i. Append only: a released migration never changes.</summary>
    private static readonly (string Description, string Sql)[] Migrations =
    [
        ("inodes, entries, shares, release list, file counts, store identity", """
            CREATE TABLE store_identity (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                generation bigint NOT NULL,
                cookie_salt bigint NOT NULL,
                content_prefix bigint NOT NULL);
            -- File ids: never 0 (MINVALUE 1), never reused (a sequence never goes back, rolled-back values included).
            CREATE SEQUENCE file_ids AS bigint MINVALUE 1 START 1 NO CYCLE;
            CREATE TABLE inodes (
                id bigint PRIMARY KEY,
                generation bigint NOT NULL,
                root_id bigint NOT NULL,
                parent_id bigint NOT NULL,
                type smallint NOT NULL,
                mode integer NOT NULL,
                link_count bigint NOT NULL,
                uid bigint NOT NULL,
                gid bigint NOT NULL,
                size bigint NOT NULL,
                used bigint NOT NULL,
                dev_major bigint NOT NULL,
                dev_minor bigint NOT NULL,
                content_hi bigint NOT NULL,
                content_lo bigint NOT NULL,
                atime_s bigint NOT NULL,
                atime_ns integer NOT NULL,
                mtime_s bigint NOT NULL,
                mtime_ns integer NOT NULL,
                ctime_s bigint NOT NULL,
                ctime_ns integer NOT NULL,
                last_cookie bigint NOT NULL,
                entry_count bigint NOT NULL,
                create_verifier bigint,
                symlink_target bytea);
            CREATE TABLE entries (
                dir_id bigint NOT NULL,
                name bytea NOT NULL,
                cookie bigint NOT NULL,
                child_id bigint NOT NULL,
                PRIMARY KEY (dir_id, name));
            CREATE UNIQUE INDEX entries_by_cookie ON entries (dir_id, cookie);
            CREATE TABLE shares (
                name text PRIMARY KEY,
                root_id bigint NOT NULL);
            CREATE TABLE released_content (
                content_hi bigint NOT NULL,
                content_lo bigint NOT NULL,
                PRIMARY KEY (content_hi, content_lo));
            -- The object count, striped over 16 rows so that creates in different directories rarely wait on one row.
            CREATE TABLE file_counts (
                slot smallint PRIMARY KEY,
                count bigint NOT NULL);
            INSERT INTO file_counts SELECT slot, 0 FROM generate_series(0, 15) AS slot;
            """),
        ("release list claims: when released, which server claimed its deletion and until when", """
            -- The database's clock at the release: deletion waits a grace period after it (servers' clocks do not
            -- matter). Rows released before this migration get the migration's time.
            ALTER TABLE released_content ADD COLUMN released_at timestamptz NOT NULL DEFAULT clock_timestamp();
            -- A claim: one server deletes the content; another claims it again only once claimed_until has passed.
            ALTER TABLE released_content ADD COLUMN claimed_by text;
            ALTER TABLE released_content ADD COLUMN claimed_until timestamptz;
            CREATE INDEX released_content_by_time ON released_content (released_at);
            """),
        ("shared lock table: servers' leases, held byte-range locks and share reservations", """
            -- One row per lock table of a running server (one per share), kept alive by renewing expires_at; when it
            -- lapses, other servers ignore what it holds, and delete it (its locks go with it) once they see it lapsed.
            CREATE TABLE lock_servers (
                server_id uuid PRIMARY KEY,
                name text NOT NULL,
                expires_at timestamptz NOT NULL);
            -- What each server holds, as its own table has it after each change (merged ranges; queued requests stay
            -- on their server). Offsets and lengths are 64-bit unsigned, stored bit for bit in bigint (never compared in SQL).
            CREATE TABLE held_locks (
                server_id uuid NOT NULL REFERENCES lock_servers ON DELETE CASCADE,
                file_id bigint NOT NULL,
                generation bigint NOT NULL,
                client_kind smallint NOT NULL,
                client_id bytea NOT NULL,
                owner_number bigint NOT NULL,
                owner bytea NOT NULL,
                range_offset bigint NOT NULL,
                range_length bigint NOT NULL,
                exclusive boolean NOT NULL);
            CREATE INDEX held_locks_by_file ON held_locks (file_id, generation);
            CREATE INDEX held_locks_by_server ON held_locks (server_id, client_kind, client_id);
            CREATE TABLE share_reservations (
                server_id uuid NOT NULL REFERENCES lock_servers ON DELETE CASCADE,
                file_id bigint NOT NULL,
                generation bigint NOT NULL,
                client_kind smallint NOT NULL,
                client_id bytea NOT NULL,
                owner_number bigint NOT NULL,
                owner bytea NOT NULL,
                access smallint NOT NULL,
                deny smallint NOT NULL);
            CREATE INDEX share_reservations_by_file ON share_reservations (file_id, generation);
            CREATE INDEX share_reservations_by_server ON share_reservations (server_id, client_kind, client_id);
            """),
        ("lock takeover: a dead server's locks kept for reclaims, its status monitor's list and state", """
            -- A lock server whose lease lapsed is taken over by one survivor (taken_over_by, set in one UPDATE so that
            -- exactly one does it): its locks and reservations keep counting until grace_until, for their owners to
            -- reclaim through any server, and are deleted with the row after it.
            ALTER TABLE lock_servers ADD COLUMN taken_over_by uuid;
            ALTER TABLE lock_servers ADD COLUMN grace_until timestamptz;
            -- The status monitor of the server: the name its SM_NOTIFY carries (locks.host_name) and its state number.
            ALTER TABLE lock_servers ADD COLUMN nsm_name text;
            ALTER TABLE lock_servers ADD COLUMN nsm_state integer;
            -- The hosts its status monitor watches: whom the survivor tells (SM_NOTIFY) that the locks wait for reclaims.
            CREATE TABLE monitored_hosts (
                server_id uuid NOT NULL REFERENCES lock_servers ON DELETE CASCADE,
                host_name text NOT NULL,
                address text NOT NULL,
                PRIMARY KEY (server_id, host_name));
            -- The last state number sent under each NSM name by a takeover: the next one is larger.
            CREATE TABLE nsm_states (
                name text PRIMARY KEY,
                state integer NOT NULL);
            """),
    ];

    public static int LatestVersion => Migrations.Length;

    public const int CountSlots = 16;

    /// <summary>Brings the schema to <see cref="LatestVersion"/> and returns the store's identity (made on first open).</summary>
    public static StoreIdentity Migrate(NpgsqlConnection connection, string database)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})");
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS dittofs_schema (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """);
        int current;
        using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM dittofs_schema", connection, transaction))
        {
            current = Convert.ToInt32(command.ExecuteScalar());
        }
        if (current > LatestVersion)
        {
            throw new PostgresSchemaException(
                $"PostgreSQL database {database} has DittoFs schema version {current}, newer than this build knows (up to {LatestVersion}): " +
                "a newer DittoFs has upgraded it; run that version (every server on one database needs a build that knows its schema)",
                current, LatestVersion);
        }
        for (int version = current + 1; version <= LatestVersion; version++)
        {
            var (description, sql) = Migrations[version - 1];
            Execute(connection, transaction, sql);
            using var record = new NpgsqlCommand("INSERT INTO dittofs_schema (version, description) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
            record.ExecuteNonQuery();
        }
        var identity = ReadIdentity(connection, transaction);
        if (identity is null)
        {
            identity = new StoreIdentity(NonZero32(), NonZero64(), NonZero64());
            using var insert = new NpgsqlCommand(
                "INSERT INTO store_identity (generation, cookie_salt, content_prefix) VALUES ($1, $2, $3)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = identity.Generation });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)identity.CookieSalt) });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)identity.ContentIdPrefix) });
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
        return identity;
    }

    private static StoreIdentity? ReadIdentity(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand("SELECT generation, cookie_salt, content_prefix FROM store_identity", connection, transaction);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoreIdentity(unchecked((uint)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)), unchecked((ulong)reader.GetInt64(2)))
            : null;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private static uint NonZero32()
    {
        uint value;
        do
        {
            value = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(sizeof(uint)));
        }
        while (value == 0);
        return value;
    }

    private static ulong NonZero64()
    {
        ulong value;
        do
        {
            value = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        }
        while (value == 0);
        return value;
    }
}
