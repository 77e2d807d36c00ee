using System.Data;
using System.Net.Sockets;
using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// A metadata store in a PostgreSQL database, which several servers may share. It answers exactly as the memory and
/// RocksDB stores do (all apply <see cref="PosixRules"/> and run their namespace changes through
/// <see cref="NamespaceChanges{TSteps, TId, TNode, TEntry}"/>); everything lives in the database, nothing that a
/// client sees is process state: file ids come from a sequence, READDIR cookies from the directory's row, cookie
/// verifiers, generations and content ids from the store's identity row.
/// <para>
/// Transactions: every change is one READ COMMITTED transaction on a pooled connection. A namespace change locks
/// the rows of the objects it touches with SELECT ... FOR UPDATE, all at once and in ascending file id order (the
/// skeleton's one lock order, now across servers), then reads them afresh and checks; a rename that moves a directory
/// to another parent first takes the store-wide rename gate, a transaction-level advisory lock. Under those locks,
/// each READ COMMITTED statement sees every change committed before it, which is exactly what the skeleton's
/// "lock, then read afresh" needs, and changes of one directory queue on its row instead of failing and retrying as
/// they would under SERIALIZABLE (a hot directory is the common case: an untar). A deadlock (only possible when a
/// change found a name moved and locks more rows in a second round) or a serialization failure rolls the change back
/// and runs it again from the start.
/// </para>
/// <para>
/// Durability: a change returns after its COMMIT, with synchronous_commit forced on for the store's sessions.
/// An unreachable or failing database answers Jukebox (the client retries later), logged once per outage with the
/// database's name; the pool is cleared then, so the store recovers by itself when the database is back.
/// </para>
/// Calls run their statements synchronously on the store's own threads, one per pooled connection (<see cref="WorkerThreads"/>).
/// </summary>
public sealed partial class PostgresMetadataStore : IMetadataStore, ISharedReleaseList, IDisposable
{
    /// <summary>How often a change that hit a deadlock or serialization failure is run again before it answers Jukebox.</summary>
    private const int MaxAttempts = 16;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _log;
    private readonly string _database;
    private readonly StoreIdentity _identity;
    private readonly FileClock _clock;
    private readonly ulong _maxFiles;
    private readonly WorkerThreads _workers;

    /// <summary>Who this store is in release-list claims: host name, process id and a random part (one per open store).</summary>
    private readonly string _claimant = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private int _unavailable;
    private readonly List<PostgresLockTable> _lockTables = [];

    private PostgresMetadataStore(NpgsqlDataSource dataSource, string database, StoreIdentity identity, PostgresMetadataStoreOptions options, ILogger log)
    {
        _dataSource = dataSource;
        _database = database;
        _identity = identity;
        _log = log;
        _clock = options.Clock ?? new FileClock();
        _maxFiles = options.MaxFiles;
        _workers = new WorkerThreads(options.MaxPoolSize, "dittofs postgres");
    }

    /// <summary>The database as logs and errors name it: "NAME at HOST:PORT" (never the password).</summary>
    public string Database => _database;

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>
    /// A lock table for <paramref name="share"/> shared with every server on this database (<see cref="PostgresLockTable"/>),
    /// over <paramref name="local"/> (this server's own holders and queue, with its grace period); its server row
    /// lapses <paramref name="lease"/> after the last renewal; the locks of a server it takes over wait
    /// <paramref name="takeoverGrace"/> for reclaims. Disposed with the store.
    /// </summary>
    public PostgresLockTable CreateLockTable(string share, MemoryLockTable local, TimeSpan lease, TimeSpan takeoverGrace)
    {
        var table = new PostgresLockTable(this, share, local, lease, takeoverGrace, _log);
        lock (_lockTables)
        {
            _lockTables.Add(table);
        }
        return table;
    }

    /// <summary>
    /// Connects, creates or upgrades the schema, and reads the store's identity. Throws
    /// <see cref="PostgresUnavailableException"/> when the database cannot be reached or refuses the login, and
    /// <see cref="PostgresSchemaException"/> when its schema is newer than this build knows.
    /// </summary>
    public static PostgresMetadataStore Open(PostgresMetadataStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (options.Password is { } password)
        {
            builder.Password = password;
        }
        builder.MaxPoolSize = options.MaxPoolSize;
        // The store's sessions hold no state of their own (no SET, temporary table, LISTEN or session-level advisory
        // lock; the settings below are startup options), so resetting a connection each time it goes back to the
        // pool only costs the database the reset Npgsql sends before the next statement (DISCARD ALL while nothing is
        // prepared). Every read and change runs the same few statements: prepared once per connection, they skip
        // PostgreSQL's parse and plan. Together about half the database's CPU per GETATTR (docs/performance.md).
        builder.NoResetOnClose = true;
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        long timeout = Math.Max(1, (long)options.StatementTimeout.TotalMilliseconds);
        // Every commit durable before it returns, whatever the server's default; statements (row-lock waits included) bounded.
        builder.Options = $"{builder.Options} -c synchronous_commit=on -c statement_timeout={timeout}".Trim();
        builder.CommandTimeout = (int)Math.Min(int.MaxValue, Math.Ceiling(options.StatementTimeout.TotalSeconds) + 5);
        string database = Describe(builder);
        var log = options.Logger ?? NullLogger.Instance;
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        try
        {
            StoreIdentity identity;
            using (var connection = dataSource.OpenConnection())
            {
                identity = Schema.Migrate(connection, database);
            }
            PostgresLog.Opened(log, database, Schema.LatestVersion);
            return new PostgresMetadataStore(dataSource, database, identity, options, log);
        }
        catch (Exception exception)
        {
            dataSource.Dispose();
            if (exception is NpgsqlException or SocketException or IOException or TimeoutException)
            {
                throw new PostgresUnavailableException($"PostgreSQL database {database} cannot be used: {exception.Message.Trim()}", exception);
            }
            throw;
        }
    }

    private static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"'{builder.Database ?? builder.Username ?? "(default)"}' at {builder.Host ?? "localhost"}:{builder.Port}";

    public void Dispose()
    {
        lock (_lockTables)
        {
            foreach (var table in _lockTables)
            {
                table.Dispose();
            }
        }
        _workers.Dispose();
        _dataSource.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one transaction on a pooled connection and commits; runs it again from the
    /// start after a deadlock or serialization failure; a database failure becomes the status it means.
    /// </summary>
    private ValueTask<StoreResult<T>> Run<T>(string operation, Func<Change, StoreResult<T>> body, IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        Gated(() => RunNow(operation, body, isolation));

    /// <summary>Runs reads that need no transaction (each statement sees one consistent state) on a pooled connection.</summary>
    private ValueTask<StoreResult<T>> Read<T>(string operation, Func<Change, StoreResult<T>> body) =>
        Gated(() => ReadNow(operation, body));

    /// <summary>Runs synchronous database work on the store's threads (<see cref="WorkerThreads"/>), one per pooled connection.</summary>
    private ValueTask<StoreResult<T>> Gated<T>(Func<StoreResult<T>> call) => new(_workers.Run(call));

    private StoreResult<T> RunNow<T>(string operation, Func<Change, StoreResult<T>> body, IsolationLevel isolation)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                StoreResult<T> result;
                using (var connection = _dataSource.OpenConnection())
                using (var transaction = connection.BeginTransaction(isolation))
                {
                    result = body(new Change(connection, transaction));
                    transaction.Commit();
                }
                Answered();
                return result;
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected)
            {
                if (attempt >= MaxAttempts)
                {
                    PostgresLog.GaveUp(_log, _database, operation, attempt);
                    return StoreStatus.Jukebox;
                }
                Thread.Sleep(Random.Shared.Next(1, 4 << Math.Min(attempt, 5)));
            }
            catch (Exception exception) when (IsDatabaseFailure(exception))
            {
                return Failed(operation, exception);
            }
        }
    }

    private StoreResult<T> ReadNow<T>(string operation, Func<Change, StoreResult<T>> body)
    {
        try
        {
            StoreResult<T> result;
            using (var connection = _dataSource.OpenConnection())
            {
                result = body(new Change(connection, null));
            }
            Answered();
            return result;
        }
        catch (Exception exception) when (IsDatabaseFailure(exception))
        {
            return Failed(operation, exception);
        }
    }

    /// <summary>A run-time setting of the store's sessions (SHOW), for tests.</summary>
    internal async Task<string> SettingAsync(string name)
    {
        var shown = await Read<string>("show", change =>
        {
            using var command = change.Command($"SHOW {name}");
            return (string)command.ExecuteScalar()!;
        }).ConfigureAwait(false);
        return shown.Value;
    }

    internal static bool IsDatabaseFailure(Exception exception) =>
        exception is NpgsqlException or SocketException or IOException or TimeoutException or InvalidOperationException;

    internal void Answered()
    {
        if (Volatile.Read(ref _unavailable) != 0 && Interlocked.Exchange(ref _unavailable, 0) != 0)
        {
            PostgresLog.AnsweringAgain(_log, _database);
        }
    }

    /// <summary>
    /// What a failure means to the client: Jukebox (retry later) while the database is unreachable, restarting,
    /// out of connections or slow; NoSpc when its disk is full; Io for anything else (logged with the exception).
    /// </summary>
    internal StoreStatus Failed(string operation, Exception exception)
    {
        var status = StatusOf(exception);
        if (exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.LockNotAvailable })
        {
            // The database answers; a statement (usually a wait for a row lock another change holds) ran too long.
            PostgresLog.TimedOut(_log, _database, operation);
        }
        else if (status == StoreStatus.Jukebox)
        {
            if (Interlocked.Exchange(ref _unavailable, 1) == 0)
            {
                PostgresLog.Unavailable(_log, _database, operation, exception.Message.Trim());
            }
            // Pooled connections to a server that went away are dead: drop them so the next call connects afresh.
            _dataSource.Clear();
        }
        else
        {
            PostgresLog.Failed(_log, _database, operation, exception);
        }
        return status;
    }

    internal static StoreStatus StatusOf(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => StoreStatus.NoSpc,
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.LockNotAvailable } => StoreStatus.Jukebox,
        PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal) // shutting down, restarting, cannot connect now
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources (too many connections)
            || postgres.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => StoreStatus.Jukebox,
        PostgresException => StoreStatus.Io,
        NpgsqlException npgsql when npgsql.IsTransient => StoreStatus.Jukebox,
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => StoreStatus.Jukebox,
        SocketException or IOException or TimeoutException => StoreStatus.Jukebox,
        _ => StoreStatus.Io,
    };

    /// <summary>
    /// Reads the row a handle names: false when the file is gone, the generation is not its, or a scoped reference
    /// names an object under another share root.
    /// </summary>
    private static bool TryResolve(Change change, FileRef file, out InodeRow row)
    {
        row = Sql.ReadInode(change, file.FileId);
        return IsNamedBy(row, file);
    }

    private static bool IsNamedBy(in InodeRow row, FileRef file) =>
        row.Exists && row.Attributes.Generation == file.Generation && (file.Root == 0 || row.RootId == file.Root);

    /// <summary>Gives new attributes the next file id (from the database's sequence), the store's generation, and regular files a content id.</summary>
    private InodeAttributes WithIdentity(Change change, in InodeAttributes attributes)
    {
        ulong fileId = Sql.NextFileId(change);
        return attributes with
        {
            FileId = fileId,
            Generation = _identity.Generation,
            ContentId = attributes.Type == FileType.Regular ? _identity.ContentIdOf(fileId) : ContentId.None,
        };
    }

    private bool HasFileSlot(Change change) => Sql.CountFiles(change) < _maxFiles;

    /// <summary>Locks one object's row (a change of its attributes alone) and reads it.</summary>
    private static InodeRow LockAndRead(Change change, ulong fileId)
    {
        change.PendingLocks.Add(fileId);
        Sql.TakePendingLocks(change);
        return Sql.ReadLocked(change, fileId);
    }
}
