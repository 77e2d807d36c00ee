using DittoFs.Vfs.Locks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// The lock table of one share when its metadata is a <see cref="PostgresMetadataStore"/> that other servers may
/// share: a lock or share reservation taken through one server conflicts with one taken through another.
/// <para>
/// Design: this server's own holders, queue and fairness are a <see cref="MemoryLockTable"/> (all of
/// <see cref="ILockTable"/>'s rules, unchanged); the database has what every server holds (tables
/// <c>held_locks</c> and <c>share_reservations</c>, keyed by file id and generation, each row naming its server). A
/// lock or reservation is decided in one transaction that holds the file's advisory lock (so every server's decisions
/// on one file take turns): read the other servers' holders of the file, refuse on a conflict, else apply the change
/// to the local table and write this server's holders of the file as the local table now has them. Calls that only
/// free (unlock, cancel, unshare, client release) change the local table first and publish afterwards: until then the
/// database holds more than is held, which can only refuse too much for a moment, never let a conflict through.
/// </para>
/// <para>
/// Servers that are gone: each table keeps a row in <c>lock_servers</c> whose <c>expires_at</c> it renews every
/// third of the lease. Rows of a server whose lease lapsed are ignored by conflict checks at once and deleted (its
/// locks with them) by the next server that renews, so a killed server's locks are free one lease after its last
/// renewal; a stopped server deletes its row at once. A server that could not renew for a whole lease (the database
/// was away) publishes everything again under a new row when it can, and logs that its locks were unprotected meanwhile.
/// </para>
/// <para>
/// Blocked requests: conflicts with this server's own holders queue in the local table (granted through <c>Woken</c>
/// as in the memory table). Nothing tells this server when another one unlocks, so a blocking request whose conflict
/// is held through another server waits in a list of its own that the table polls every <see cref="PollInterval"/>:
/// once nothing conflicts, it is locked and its grant handed to <see cref="GrantedLater"/> (the NLM lock manager's
/// GRANTED callbacks). Without a <see cref="GrantedLater"/> such a request is answered <see cref="LockStatus.Denied"/>.
/// Polled requests are outside the local queue's fairness: they take the range when it is free at a poll. A queued
/// request granted locally is checked against the other servers before its grant is reported; if it conflicts there,
/// the grant is undone and not reported (the client's own retry then asks again).
/// </para>
/// <para>
/// While the database is away, calls that need it answer <see cref="LockStatus.NoResources"/> (NLM denied_nolocks,
/// NFSv4 NFS4ERR_RESOURCE-class answers: retry later) and the outage is logged once, as the store's other calls log it.
/// Grace periods stay per server: reclaims after a restart go through the restarted server's own grace period,
/// while the other servers keep granting (its old locks are free one lease after it died).
/// </para>
/// </summary>
public sealed class PostgresLockTable : ILockTable, IDisposable
{
    private static readonly IReadOnlyList<LockGrant> NoGrants = [];

    private readonly PostgresMetadataStore _store;
    private readonly MemoryLockTable _local;
    private readonly TimeSpan _lease;
    private readonly ILogger _log;
    private readonly string _name;
    private readonly Timer _renewal;
    private readonly Lock _renewing = new();
    private readonly HashSet<FileLockKey> _unpublished = [];
    private readonly Timer _poll;
    private readonly Lock _polling = new();
    private readonly List<RemoteWaiter> _remoteWaiters = [];
    private long _lastRemoteWaiterId;
    private volatile ServerRow _server;
    private volatile bool _disposed;

    /// <summary>This table's row in <c>lock_servers</c>, replaced as a whole (a Guid cannot be written atomically).</summary>
    private sealed record ServerRow(Guid Id);

    /// <summary>A blocking request whose conflict is held through another server; its id is negative (the local
    /// table's are positive).</summary>
    private sealed record RemoteWaiter(long Id, LockRequest Request);

    /// <summary>How often requests waiting for another server's holders are tried again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Receives the grants of requests that waited for another server's holders (set by the server to the
    /// NLM lock manager's callbacks); called on a timer thread, after the table's work.</summary>
    public Action<IReadOnlyList<LockGrant>>? GrantedLater { get; set; }

    /// <summary>
    /// Registers a new server row (renewed every third of <paramref name="lease"/>) and starts empty. Throws
    /// <see cref="PostgresUnavailableException"/> when the database cannot be reached.
    /// </summary>
    internal PostgresLockTable(PostgresMetadataStore store, string share, MemoryLockTable local, TimeSpan lease, ILogger log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromSeconds(1));
        _store = store;
        _local = local;
        _lease = lease;
        _log = log;
        _name = $"{Environment.MachineName}/{Environment.ProcessId} {share}";
        try
        {
            _server = new ServerRow(Register());
        }
        catch (Exception exception) when (PostgresMetadataStore.IsDatabaseFailure(exception))
        {
            throw new PostgresUnavailableException($"PostgreSQL database {store.Database} cannot be used for the lock table of {share}: {exception.Message.Trim()}", exception);
        }
        _renewal = new Timer(_ => Renew(), null, lease / 3, lease / 3);
        _poll = new Timer(_ => Poll(), null, PollInterval, PollInterval);
    }

    /// <summary>This table's row in <c>lock_servers</c> (a new one after a lapsed lease).</summary>
    public Guid ServerId => _server.Id;

    public int HeldRanges => _local.HeldRanges;

    public int Waiters
    {
        get
        {
            lock (_remoteWaiters)
            {
                return _local.Waiters + _remoteWaiters.Count;
            }
        }
    }

    public int ShareReservations => _local.ShareReservations;

    public int Files => _local.Files;

    public LockTestResult Test(FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        var local = _local.Test(file, owner, range, mode);
        if (local.Status != LockStatus.Granted)
        {
            return local;
        }
        var remote = Database("test lock", connection => RemoteLockConflict(connection, null, file, owner, range, mode));
        return remote switch
        {
            { Failed: true } => new LockTestResult(LockStatus.NoResources),
            { Value: { } conflict } => new LockTestResult(LockStatus.Denied, conflict),
            _ => local,
        };
    }

    public LockResult Lock(in LockRequest request)
    {
        if (!request.Range.IsValid)
        {
            return _local.Lock(request);
        }
        var copy = request;
        var decided = InFileTransaction("lock", copy.File, (connection, transaction) =>
        {
            if (RemoteLockConflict(connection, transaction, copy.File, copy.Owner, copy.Range, copy.Mode) is { } conflict)
            {
                return copy.Block && GrantedLater is not null
                    ? new LockResult(LockStatus.Blocked, conflict, WaitForRemote(copy), NoGrants)
                    : new LockResult(LockStatus.Denied, conflict, 0, NoGrants);
            }
            var result = _local.Lock(copy);
            if (result.Status is LockStatus.Granted or LockStatus.Blocked || result.Woken.Count > 0)
            {
                Publish(connection, transaction, copy.File);
            }
            return result;
        });
        if (decided.Failed)
        {
            return new LockResult(LockStatus.NoResources, null, 0, NoGrants);
        }
        var answer = decided.Value;
        return answer with { Woken = Settle(answer.Woken) };
    }

    public UnlockResult Cancel(FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        bool removed = RemoveRemoteWaiters(w => w.Request.File == file && w.Request.Owner.Equals(owner) && w.Request.Range == range && w.Request.Mode == mode);
        var result = Published(file, _local.Cancel(file, owner, range, mode));
        return removed ? result with { Changed = true } : result;
    }

    public UnlockResult Unlock(FileLockKey file, LockOwner owner, LockRange range) =>
        Published(file, _local.Unlock(file, owner, range));

    public UnlockResult UnlockOwner(FileLockKey file, LockOwner owner)
    {
        bool removed = RemoveRemoteWaiters(w => w.Request.File == file && w.Request.Owner.Equals(owner));
        var result = Published(file, _local.UnlockOwner(file, owner));
        return removed ? result with { Changed = true } : result;
    }

    public UnlockResult ReleaseClient(LockClient client)
    {
        RemoveRemoteWaiters(w => w.Request.Owner.Client.Equals(client));
        var held = Database("find a client's locks", connection => FilesOf(connection, client));
        var result = _local.ReleaseClient(client);
        if (held.Failed)
        {
            // Which files to publish again is unknown: all of them, at the next renewal.
            lock (_unpublished)
            {
                _unpublished.Add(AllFiles);
            }
        }
        else
        {
            foreach (var file in held.Value!)
            {
                PublishNow(file);
            }
        }
        return result with { Woken = Settle(result.Woken) };
    }

    public bool HoldsLocks(LockOwner owner) => _local.HoldsLocks(owner);

    public IReadOnlySet<LockClient> ClientsWithState()
    {
        var clients = new HashSet<LockClient>(_local.ClientsWithState());
        lock (_remoteWaiters)
        {
            clients.UnionWith(_remoteWaiters.Select(w => w.Request.Owner.Client));
        }
        return clients;
    }

    public ShareResult Share(FileLockKey file, LockOwner owner, ShareAccess access, ShareDeny deny, bool reclaim = false)
    {
        var decided = InFileTransaction("share", file, (connection, transaction) =>
        {
            if (RemoteShareConflict(connection, transaction, file, owner, access, deny) is { } conflict)
            {
                return new ShareResult(LockStatus.Denied, conflict);
            }
            var result = _local.Share(file, owner, access, deny, reclaim);
            if (result.Status == LockStatus.Granted)
            {
                Publish(connection, transaction, file);
            }
            return result;
        });
        return decided.Failed ? new ShareResult(LockStatus.NoResources) : decided.Value;
    }

    public ShareResult Unshare(FileLockKey file, LockOwner owner)
    {
        var result = _local.Unshare(file, owner);
        PublishNow(file);
        return result;
    }

    /// <summary>Stops renewing and deletes this server's row: its locks stop counting on the other servers at once.</summary>
    public void Dispose()
    {
        lock (_renewing)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _renewal.Dispose();
        _poll.Dispose();
        Database("remove the lock table's server row", connection =>
        {
            using var command = new NpgsqlCommand("DELETE FROM lock_servers WHERE server_id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>Queues a blocking request behind another server's holder; a retransmission gets the id it had.</summary>
    private long WaitForRemote(in LockRequest request)
    {
        lock (_remoteWaiters)
        {
            foreach (var waiter in _remoteWaiters)
            {
                var queued = waiter.Request;
                if (queued.File == request.File && queued.Owner.Equals(request.Owner) && queued.Range == request.Range && queued.Mode == request.Mode)
                {
                    return waiter.Id;
                }
            }
            long id = -Interlocked.Increment(ref _lastRemoteWaiterId);
            _remoteWaiters.Add(new RemoteWaiter(id, request with { Block = false }));
            return id;
        }
    }

    private bool RemoveRemoteWaiters(Predicate<RemoteWaiter> match)
    {
        lock (_remoteWaiters)
        {
            return _remoteWaiters.RemoveAll(match) > 0;
        }
    }

    /// <summary>
    /// Tries each request waiting for another server's holders again, in the order they came: one whose conflict is
    /// gone is locked (the local table's rules apply, so a local holder or waiter may still deny it: it waits on) and
    /// its grant handed to <see cref="GrantedLater"/>. A request cancelled while it was being tried is unlocked again.
    /// </summary>
    internal void Poll()
    {
        // One poll at a time: two would both lock a request for its owner, and the second, finding it gone from the
        // list, would take the first's grant back.
        lock (_polling)
        {
            if (!_disposed)
            {
                PollOnce();
            }
        }
    }

    private void PollOnce()
    {
        RemoteWaiter[] waiting;
        lock (_remoteWaiters)
        {
            waiting = [.. _remoteWaiters];
        }
        var grants = new List<LockGrant>();
        foreach (var waiter in waiting)
        {
            var request = waiter.Request;
            var tried = InFileTransaction("grant a lock another server held", request.File, (connection, transaction) =>
            {
                if (RemoteLockConflict(connection, transaction, request.File, request.Owner, request.Range, request.Mode) is not null)
                {
                    return new LockResult(LockStatus.Denied, null, 0, NoGrants);
                }
                var result = _local.Lock(request);
                Publish(connection, transaction, request.File);
                return result;
            });
            if (tried.Failed || tried.Value.Status != LockStatus.Granted)
            {
                continue;
            }
            if (RemoveRemoteWaiters(w => w.Id == waiter.Id))
            {
                grants.Add(new LockGrant(waiter.Id, request.File, request.Owner, request.Range, request.Mode, request.Context));
                grants.AddRange(Settle(tried.Value.Woken));
            }
            else
            {
                // Cancelled (or its owner released) while it was tried: take back what was just granted.
                grants.AddRange(Unlock(request.File, request.Owner, request.Range).Woken);
            }
        }
        if (grants.Count > 0)
        {
            GrantedLater?.Invoke(grants);
        }
    }

    /// <summary>Stands for "every file" in <see cref="_unpublished"/> (file id 0 names no file).</summary>
    private static readonly FileLockKey AllFiles = new(0, 0);

    private UnlockResult Published(FileLockKey file, UnlockResult result)
    {
        if (result.Changed || result.Woken.Count > 0)
        {
            PublishNow(file);
        }
        return result with { Woken = Settle(result.Woken) };
    }

    /// <summary>Writes this server's holders of <paramref name="file"/>; on failure, leaves it to the next renewal.</summary>
    private void PublishNow(FileLockKey file)
    {
        InFileTransaction("publish locks", file, (connection, transaction) =>
        {
            Publish(connection, transaction, file);
            return true;
        });
    }

    /// <summary>
    /// Checks queued requests the local table granted against the other servers' holders (the queue only knew this
    /// server's): a grant that conflicts there is undone and not reported; the others are published.
    /// </summary>
    private IReadOnlyList<LockGrant> Settle(IReadOnlyList<LockGrant> woken)
    {
        if (woken.Count == 0)
        {
            return woken;
        }
        var kept = new List<LockGrant>(woken.Count);
        var pending = new Queue<LockGrant>(woken);
        while (pending.TryDequeue(out var grant))
        {
            var checkedGrant = InFileTransaction("grant a queued lock", grant.File, (connection, transaction) =>
            {
                bool conflicts = RemoteLockConflict(connection, transaction, grant.File, grant.Owner, grant.Range, grant.Mode) is not null;
                var undone = conflicts ? _local.Unlock(grant.File, grant.Owner, grant.Range).Woken : NoGrants;
                Publish(connection, transaction, grant.File);
                return (conflicts, undone);
            });
            if (checkedGrant.Failed)
            {
                // Unknown whether another server holds the range now: the grant stands (published at the next renewal).
                kept.Add(grant);
                continue;
            }
            var (conflicted, freed) = checkedGrant.Value;
            if (!conflicted)
            {
                kept.Add(grant);
            }
            foreach (var next in freed)
            {
                pending.Enqueue(next);
            }
        }
        return kept;
    }

    /// <summary>The other servers' held lock on the file that conflicts with the request, lowest offset first; null when none.</summary>
    private LockConflict? RemoteLockConflict(NpgsqlConnection connection, NpgsqlTransaction? transaction, FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        using var command = new NpgsqlCommand("""
            SELECT h.client_kind, h.client_id, h.owner_number, h.owner, h.range_offset, h.range_length, h.exclusive
            FROM held_locks h JOIN lock_servers s ON s.server_id = h.server_id
            WHERE h.file_id = $1 AND h.generation = $2 AND h.server_id <> $3 AND s.expires_at > clock_timestamp()
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        using var reader = command.ExecuteReader();
        LockConflict? first = null;
        var (wantFirst, wantLast) = Bounds(range);
        while (reader.Read())
        {
            var holder = ReadOwner(reader, 0);
            var held = new LockRange(unchecked((ulong)reader.GetInt64(4)), unchecked((ulong)reader.GetInt64(5)));
            var heldMode = reader.GetBoolean(6) ? LockMode.Exclusive : LockMode.Shared;
            var (heldFirst, heldLast) = Bounds(held);
            bool overlaps = heldFirst <= wantLast && wantFirst <= heldLast;
            if (overlaps && !IsSameOwner(holder, owner) && (mode == LockMode.Exclusive || heldMode == LockMode.Exclusive)
                && (first is null || held.Offset < first.Value.Range.Offset))
            {
                first = new LockConflict(holder, held, heldMode);
            }
        }
        return first;
    }

    /// <summary>The other servers' share reservation on the file that conflicts with this one; null when none.</summary>
    private ShareReservation? RemoteShareConflict(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file, LockOwner owner, ShareAccess access, ShareDeny deny)
    {
        using var command = new NpgsqlCommand("""
            SELECT r.client_kind, r.client_id, r.owner_number, r.owner, r.access, r.deny
            FROM share_reservations r JOIN lock_servers s ON s.server_id = r.server_id
            WHERE r.file_id = $1 AND r.generation = $2 AND r.server_id <> $3 AND s.expires_at > clock_timestamp()
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var held = new ShareReservation(ReadOwner(reader, 0), (ShareAccess)reader.GetInt16(4), (ShareDeny)reader.GetInt16(5));
            if (!IsSameOwner(held.Owner, owner) && held.ConflictsWith(access, deny))
            {
                return held;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether another server's holder is <paramref name="owner"/>. An NLM owner names itself (caller name, svid, oh),
    /// so a client that moved to this server keeps its locks; an NFSv4 client id is minted by the server that answered
    /// SETCLIENTID or EXCHANGE_ID and may mean another client on another server: never the same owner.
    /// </summary>
    private static bool IsSameOwner(LockOwner remote, LockOwner owner) =>
        owner.Client.Kind != LockClientKind.Nfs4 && remote.Equals(owner);

    /// <summary>Replaces this server's rows for the file by what its local table holds there now.</summary>
    private void Publish(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file)
    {
        var holders = _local.HeldOn(file);
        var batch = new NpgsqlBatch(connection, transaction);
        using (batch)
        {
            foreach (string table in (string[])["held_locks", "share_reservations"])
            {
                var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE server_id = $1 AND file_id = $2 AND generation = $3");
                delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
                AddFile(delete.Parameters, file);
                batch.BatchCommands.Add(delete);
            }
            foreach (var held in holders.Locks)
            {
                var insert = Insert("INSERT INTO held_locks VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", file, held.Owner);
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)held.Range.Offset) });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)held.Range.Length) });
                insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = held.Mode == LockMode.Exclusive });
                batch.BatchCommands.Add(insert);
            }
            foreach (var reservation in holders.Shares)
            {
                var insert = Insert("INSERT INTO share_reservations VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", file, reservation.Owner);
                insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)reservation.Access });
                insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)reservation.Deny });
                batch.BatchCommands.Add(insert);
            }
            batch.ExecuteNonQuery();
        }
        lock (_unpublished)
        {
            _unpublished.Remove(file);
        }
    }

    private NpgsqlBatchCommand Insert(string sql, FileLockKey file, LockOwner owner)
    {
        var insert = new NpgsqlBatchCommand(sql);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        AddFile(insert.Parameters, file);
        insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)owner.Client.Kind });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = owner.Client.Id.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = owner.Number });
        insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = owner.Owner.ToArray() });
        return insert;
    }

    /// <summary>The files where this server has published state of <paramref name="client"/>.</summary>
    private List<FileLockKey> FilesOf(NpgsqlConnection connection, LockClient client)
    {
        using var command = new NpgsqlCommand("""
            SELECT file_id, generation FROM held_locks WHERE server_id = $1 AND client_kind = $2 AND client_id = $3
            UNION SELECT file_id, generation FROM share_reservations WHERE server_id = $1 AND client_kind = $2 AND client_id = $3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)client.Kind });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = client.Id.ToArray() });
        using var reader = command.ExecuteReader();
        var files = new List<FileLockKey>();
        while (reader.Read())
        {
            files.Add(new FileLockKey(unchecked((ulong)reader.GetInt64(0)), unchecked((uint)reader.GetInt64(1))));
        }
        return files;
    }

    private Guid Register()
    {
        var server = Guid.NewGuid();
        using var connection = _store.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("INSERT INTO lock_servers VALUES ($1, $2, clock_timestamp() + $3)", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = server });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _name });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _lease });
        command.ExecuteNonQuery();
        return server;
    }

    /// <summary>
    /// Every third of the lease: extends this server's row, deletes the rows (and locks) of servers whose lease lapsed,
    /// and publishes the files whose publication failed. A row that is gone (this server's lease lapsed while the
    /// database was away) is registered anew and every file published again.
    /// </summary>
    internal void Renew()
    {
        lock (_renewing)
        {
            if (_disposed)
            {
                return;
            }
            var renewed = Database("renew the lock table's lease", connection =>
            {
                using var batch = new NpgsqlBatch(connection);
                var renew = new NpgsqlBatchCommand("UPDATE lock_servers SET expires_at = clock_timestamp() + $2 WHERE server_id = $1");
                renew.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
                renew.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _lease });
                batch.BatchCommands.Add(renew);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM lock_servers WHERE expires_at < clock_timestamp()"));
                batch.ExecuteNonQuery();
                return renew.RecordsAffected == 1;
            });
            if (renewed.Failed)
            {
                return;
            }
            List<FileLockKey> files;
            if (!renewed.Value)
            {
                var again = Database("register the lock table again", _ => Register());
                if (again.Failed)
                {
                    return;
                }
                _server = new ServerRow(again.Value);
                _log.LogWarning("The lock table of {Server} in PostgreSQL database {Database} was not renewed within its lease ({Lease}): other servers may have granted locks that conflict with this server's meanwhile; published again",
                    _name, _store.Database, _lease);
                files = _local.FilesWithState();
            }
            else
            {
                lock (_unpublished)
                {
                    files = _unpublished.Contains(AllFiles) ? _local.FilesWithState() : [.. _unpublished];
                    _unpublished.Remove(AllFiles);
                }
            }
            foreach (var file in files)
            {
                PublishNow(file);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a transaction holding the file's advisory lock (<paramref name="file"/>'s id
    /// split into the two-integer key space, which the store's own one-bigint gates never use). On a database
    /// failure, leaves the file to the next renewal's publication and answers Failed.
    /// </summary>
    private Outcome<T> InFileTransaction<T>(string operation, FileLockKey file, Func<NpgsqlConnection, NpgsqlTransaction, T> body)
    {
        var outcome = Database(operation, connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var gate = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, $2)", connection, transaction))
            {
                gate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)(file.FileId >> 32)) });
                gate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)file.FileId) });
                gate.ExecuteNonQuery();
            }
            var result = body(connection, transaction);
            transaction.Commit();
            return result;
        });
        if (outcome.Failed)
        {
            lock (_unpublished)
            {
                _unpublished.Add(file);
            }
        }
        return outcome;
    }

    private readonly record struct Outcome<T>(bool Failed, T? Value);

    /// <summary>Runs synchronous database work on a pooled connection; a failure is logged as the store logs it and answers Failed.</summary>
    private Outcome<T> Database<T>(string operation, Func<NpgsqlConnection, T> body)
    {
        try
        {
            T value;
            using (var connection = _store.DataSource.OpenConnection())
            {
                value = body(connection);
            }
            _store.Answered();
            return new Outcome<T>(false, value);
        }
        catch (Exception exception) when (PostgresMetadataStore.IsDatabaseFailure(exception))
        {
            _store.Failed(operation, exception);
            return new Outcome<T>(true, default);
        }
    }

    private static LockOwner ReadOwner(NpgsqlDataReader reader, int first) =>
        new(new LockClient((LockClientKind)reader.GetInt16(first), (byte[])reader.GetValue(first + 1)), unchecked((uint)reader.GetInt64(first + 2)), (byte[])reader.GetValue(first + 3));

    private static (ulong First, ulong Last) Bounds(LockRange range) =>
        (range.Offset, range.Length == 0 ? ulong.MaxValue : range.Offset + (range.Length - 1));

    private static void AddFile(NpgsqlCommand command, FileLockKey file) => AddFile(command.Parameters, file);

    private static void AddFile(NpgsqlParameterCollection parameters, FileLockKey file)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)file.FileId) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = file.Generation });
    }
}
