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
/// Servers that are gone (takeover): each table keeps a row in <c>lock_servers</c> whose <c>expires_at</c> it renews
/// every third of the lease. A granted lock must survive its server's death, and the dead server's clients were told
/// nothing, so its locks are not freed: the first survivor to renew after the lease lapsed takes the row over
/// (<see cref="TakeOver"/>, exactly one survivor per row), its locks and reservations keep refusing conflicting
/// requests on every server for the grace period, and the dead server's clients are sent SM_NOTIFY (through
/// <see cref="TookOver"/>) from the status monitor list it kept under its row (<see cref="PublishMonitorList"/>).
/// A reclaim by the same NLM owner through any server adopts the kept lock (or the part of it reclaimed); requests
/// that do not conflict are granted as usual. After the grace, the row and what was not reclaimed are deleted. A
/// stopping server hands its row over the same way (it lapses at once). A server that could not renew for a whole
/// lease (the database was away) keeps its row if nobody took it over yet; otherwise it publishes everything again
/// under a new row and logs it.
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
/// A server's own grace period after its start (nothing but reclaims for it) stays its own; the takeover's grace is
/// finer: only the kept ranges wait.
/// </para>
/// </summary>
public sealed class PostgresLockTable : ILockTable, IDisposable
{
    private static readonly IReadOnlyList<LockGrant> NoGrants = [];

    private readonly PostgresMetadataStore _store;
    private readonly MemoryLockTable _local;
    private readonly TimeSpan _lease;
    private readonly TimeSpan _takeoverGrace;
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
    private volatile MonitorList? _monitors;
    private volatile bool _disposed;

    /// <summary>This table's row in <c>lock_servers</c>, replaced as a whole (a Guid cannot be written atomically).</summary>
    private sealed record ServerRow(Guid Id);

    /// <summary>This server's status monitor as last published: its name, state number and watched hosts.</summary>
    private sealed record MonitorList(string NsmName, int NsmState, IReadOnlyCollection<WatchedHost> Hosts);

    /// <summary>A blocking request whose conflict is held through another server; its id is negative (the local
    /// table's are positive).</summary>
    private sealed record RemoteWaiter(long Id, LockRequest Request);

    /// <summary>How often requests waiting for another server's holders are tried again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Receives the grants of requests that waited for another server's holders (set by the server to the
    /// NLM lock manager's callbacks); called on a timer thread, after the table's work.</summary>
    public Action<IReadOnlyList<LockGrant>>? GrantedLater { get; set; }

    /// <summary>Receives the servers this table took over (set by the server to its status monitor, which sends
    /// SM_NOTIFY to their hosts); called on the renewal's timer thread, after the claim committed.</summary>
    public Action<LockTakeover>? TookOver { get; set; }

    /// <summary>
    /// Registers a new server row (renewed every third of <paramref name="lease"/>) and starts empty. Throws
    /// <see cref="PostgresUnavailableException"/> when the database cannot be reached.
    /// </summary>
    internal PostgresLockTable(PostgresMetadataStore store, string share, MemoryLockTable local, TimeSpan lease, TimeSpan takeoverGrace, ILogger log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lease, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(takeoverGrace, TimeSpan.Zero);
        _store = store;
        _local = local;
        _lease = lease;
        _takeoverGrace = takeoverGrace;
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
        var asked = request;
        var decided = InFileTransaction("lock", asked.File, (connection, transaction) =>
        {
            var copy = asked;
            var kept = copy.Reclaim ? KeptLocks(connection, transaction, copy.File, copy.Owner) : [];
            if (copy.Reclaim && !_local.InGrace)
            {
                // Outside this server's own grace, a reclaim is of a lock kept for its owner after its server died (or
                // one the owner holds here already: a second notice, or one it adopted before); anything else is late.
                if (!kept.Any(held => held.Range.Overlaps(copy.Range)) && !HoldsLocally(copy.File, copy.Owner, copy.Range))
                {
                    return _local.Lock(copy);
                }
                copy = copy with { Reclaim = false };
            }
            if (RemoteLockConflict(connection, transaction, copy.File, copy.Owner, copy.Range, copy.Mode) is { } conflict)
            {
                return copy.Block && GrantedLater is not null
                    ? new LockResult(LockStatus.Blocked, conflict, WaitForRemote(copy), NoGrants)
                    : new LockResult(LockStatus.Denied, conflict, 0, NoGrants);
            }
            var result = _local.Lock(copy);
            if (result.Status == LockStatus.Granted && kept.Count > 0)
            {
                Adopt(connection, transaction, copy.File, copy.Owner, copy.Range, kept);
            }
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
            bool kept = reclaim && HasKeptReservation(connection, transaction, file, owner);
            // A reservation kept for its owner after its server died is adopted outside this server's grace as a plain share.
            bool reclaiming = reclaim && (_local.InGrace || !kept);
            if (RemoteShareConflict(connection, transaction, file, owner, access, deny) is { } conflict)
            {
                return new ShareResult(LockStatus.Denied, conflict);
            }
            var result = _local.Share(file, owner, access, deny, reclaiming);
            if (result.Status == LockStatus.Granted)
            {
                if (kept)
                {
                    DeleteKeptReservation(connection, transaction, file, owner);
                }
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

    /// <summary>
    /// Stores the status monitor's name, state and watched hosts under this server's row (replacing what was there),
    /// so that the server that takes over after this one died knows whom to tell. Called before a change of the list
    /// is answered (SM_MON, the lock manager's monitoring); throws <see cref="IOException"/> when the database cannot
    /// take it, which fails the change.
    /// </summary>
    public void PublishMonitorList(string nsmName, int nsmState, IReadOnlyCollection<WatchedHost> hosts)
    {
        var list = new MonitorList(nsmName, nsmState, [.. hosts]);
        _monitors = list;
        var stored = Database("store the status monitor's list", connection =>
        {
            using var transaction = connection.BeginTransaction();
            WriteMonitors(connection, transaction, ServerId, list);
            transaction.Commit();
            return true;
        });
        if (stored.Failed)
        {
            throw new IOException($"the status monitor's list cannot be stored in PostgreSQL database {_store.Database}");
        }
    }

    /// <summary>
    /// The last state number a takeover sent under <paramref name="nsmName"/> (0 when none): a server starting under
    /// that name begins above it. Throws <see cref="IOException"/> when the database cannot answer.
    /// </summary>
    public int LastTakeoverState(string nsmName)
    {
        var read = Database("read the state number sent by takeovers", connection =>
        {
            using var command = new NpgsqlCommand("SELECT coalesce(max(state), 0) FROM nsm_states WHERE name = $1", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = nsmName });
            return (int)command.ExecuteScalar()!;
        });
        return read.Failed ? throw new IOException($"the NSM state number cannot be read from PostgreSQL database {_store.Database}") : read.Value;
    }

    private static void WriteMonitors(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid server, MonitorList list)
    {
        using var batch = new NpgsqlBatch(connection, transaction);
        var row = new NpgsqlBatchCommand("UPDATE lock_servers SET nsm_name = $2, nsm_state = $3 WHERE server_id = $1");
        row.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = server });
        row.Parameters.Add(new NpgsqlParameter<string> { TypedValue = list.NsmName });
        row.Parameters.Add(new NpgsqlParameter<int> { TypedValue = list.NsmState });
        batch.BatchCommands.Add(row);
        var clear = new NpgsqlBatchCommand("DELETE FROM monitored_hosts WHERE server_id = $1");
        clear.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = server });
        batch.BatchCommands.Add(clear);
        foreach (var host in list.Hosts)
        {
            var insert = new NpgsqlBatchCommand("INSERT INTO monitored_hosts VALUES ($1, $2, $3)");
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = server });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = host.Name });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = host.Address.ToString() });
            batch.BatchCommands.Add(insert);
        }
        batch.ExecuteNonQuery();
    }

    /// <summary>
    /// Stops renewing and hands this server's locks over as if it had died: its row lapses now, so a surviving server
    /// takes it over at its next renewal, keeps the locks for reclaims and tells this server's clients (nothing else
    /// tells them: a stopping server sends no notice, and its clients may already be moving to another server). A row
    /// holding nothing is deleted at once.
    /// </summary>
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
        Database("hand the lock table's server row over", connection =>
        {
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE lock_servers SET expires_at = clock_timestamp() WHERE server_id = $1"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                DELETE FROM lock_servers s WHERE server_id = $1 AND NOT EXISTS (SELECT 1 FROM held_locks h WHERE h.server_id = s.server_id)
                  AND NOT EXISTS (SELECT 1 FROM share_reservations r WHERE r.server_id = s.server_id)
                """));
            foreach (var command in batch.BatchCommands)
            {
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
            }
            return batch.ExecuteNonQuery();
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

    /// <summary>
    /// Which servers' rows count in conflict checks: live ones, ones whose lease lapsed and that wait to be taken
    /// over, and taken-over ones until the end of their grace (their locks are kept for their owners' reclaims).
    /// </summary>
    private const string Counts = "(s.grace_until IS NULL OR s.grace_until > clock_timestamp())";

    /// <summary>Rows of dead servers kept for reclaims: lease lapsed, grace (if taken over already) not over.</summary>
    private const string Kept = "s.expires_at < clock_timestamp() AND " + Counts;

    /// <summary>A dead server's held range kept for its owner.</summary>
    private readonly record struct KeptLock(Guid Server, LockRange Range, bool Exclusive);

    /// <summary>The locks of <paramref name="owner"/> on the file kept from dead servers (none for NFSv4 owners,
    /// which are never the same owner on two servers).</summary>
    private List<KeptLock> KeptLocks(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file, LockOwner owner)
    {
        var kept = new List<KeptLock>();
        if (owner.Client.Kind == LockClientKind.Nfs4)
        {
            return kept;
        }
        using var command = new NpgsqlCommand($"""
            SELECT h.server_id, h.range_offset, h.range_length, h.exclusive
            FROM held_locks h JOIN lock_servers s ON s.server_id = h.server_id
            WHERE h.file_id = $1 AND h.generation = $2 AND h.server_id <> $3 AND {Kept}
              AND h.client_kind = $4 AND h.client_id = $5 AND h.owner_number = $6 AND h.owner = $7
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        AddOwner(command.Parameters, owner);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            kept.Add(new KeptLock(reader.GetGuid(0), new LockRange(unchecked((ulong)reader.GetInt64(1)), unchecked((ulong)reader.GetInt64(2))), reader.GetBoolean(3)));
        }
        return kept;
    }

    /// <summary>
    /// A reclaim of <paramref name="range"/> was granted here: the parts of the owner's kept locks inside it are now
    /// held (and published) by this server, so they leave the dead servers' rows; the parts outside stay kept for the
    /// owner's other reclaims. Otherwise an unlock through this server would leave them refusing others until the grace ends.
    /// </summary>
    private void Adopt(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file, LockOwner owner, LockRange range, List<KeptLock> kept)
    {
        var (first, last) = Bounds(range);
        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var held in kept.Where(held => held.Range.Overlaps(range)))
        {
            var delete = new NpgsqlBatchCommand("""
                DELETE FROM held_locks WHERE server_id = $1 AND file_id = $2 AND generation = $3 AND client_kind = $4 AND client_id = $5
                  AND owner_number = $6 AND owner = $7 AND range_offset = $8 AND range_length = $9
                """);
            delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = held.Server });
            AddFile(delete.Parameters, file);
            AddOwner(delete.Parameters, owner);
            AddRange(delete.Parameters, held.Range);
            batch.BatchCommands.Add(delete);
            var (heldFirst, heldLast) = Bounds(held.Range);
            var rest = new List<LockRange>();
            if (heldFirst < first)
            {
                rest.Add(FromBounds(heldFirst, first - 1));
            }
            if (last < heldLast)
            {
                rest.Add(FromBounds(last + 1, heldLast));
            }
            foreach (var part in rest)
            {
                var insert = new NpgsqlBatchCommand("INSERT INTO held_locks VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
                insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = held.Server });
                AddFile(insert.Parameters, file);
                AddOwner(insert.Parameters, owner);
                AddRange(insert.Parameters, part);
                insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = held.Exclusive });
                batch.BatchCommands.Add(insert);
            }
        }
        batch.ExecuteNonQuery();
    }

    /// <summary>Whether a dead server's reservation on the file is kept for <paramref name="owner"/> (never for NFSv4 owners).</summary>
    private bool HasKeptReservation(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file, LockOwner owner)
    {
        if (owner.Client.Kind == LockClientKind.Nfs4)
        {
            return false;
        }
        using var command = new NpgsqlCommand($"""
            SELECT EXISTS (SELECT 1 FROM share_reservations r JOIN lock_servers s ON s.server_id = r.server_id
            WHERE r.file_id = $1 AND r.generation = $2 AND r.server_id <> $3 AND {Kept}
              AND r.client_kind = $4 AND r.client_id = $5 AND r.owner_number = $6 AND r.owner = $7)
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        AddOwner(command.Parameters, owner);
        return (bool)command.ExecuteScalar()!;
    }

    /// <summary>A reclaimed reservation is this server's now: the dead servers' copies of it go.</summary>
    private void DeleteKeptReservation(NpgsqlConnection connection, NpgsqlTransaction transaction, FileLockKey file, LockOwner owner)
    {
        using var command = new NpgsqlCommand($"""
            DELETE FROM share_reservations r USING lock_servers s
            WHERE s.server_id = r.server_id AND {Kept} AND r.server_id <> $3
              AND r.file_id = $1 AND r.generation = $2 AND r.client_kind = $4 AND r.client_id = $5 AND r.owner_number = $6 AND r.owner = $7
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        AddOwner(command.Parameters, owner);
        command.ExecuteNonQuery();
    }

    /// <summary>Whether this server's own table holds <paramref name="range"/> for <paramref name="owner"/> already.</summary>
    private bool HoldsLocally(FileLockKey file, LockOwner owner, LockRange range)
    {
        var (first, last) = Bounds(range);
        return _local.HeldOn(file).Locks.Any(held =>
        {
            var (heldFirst, heldLast) = Bounds(held.Range);
            return held.Owner.Equals(owner) && heldFirst <= first && last <= heldLast;
        });
    }

    /// <summary>The other servers' held lock on the file that conflicts with the request, lowest offset first; null when none.</summary>
    private LockConflict? RemoteLockConflict(NpgsqlConnection connection, NpgsqlTransaction? transaction, FileLockKey file, LockOwner owner, LockRange range, LockMode mode)
    {
        using var command = new NpgsqlCommand($"""
            SELECT h.client_kind, h.client_id, h.owner_number, h.owner, h.range_offset, h.range_length, h.exclusive
            FROM held_locks h JOIN lock_servers s ON s.server_id = h.server_id
            WHERE h.file_id = $1 AND h.generation = $2 AND h.server_id <> $3 AND {Counts}
            """, connection, transaction);
        AddFile(command, file);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
        using var reader = command.ExecuteReader();
        LockConflict? first = null;
        while (reader.Read())
        {
            var holder = ReadOwner(reader, 0);
            var held = new LockRange(unchecked((ulong)reader.GetInt64(4)), unchecked((ulong)reader.GetInt64(5)));
            var heldMode = reader.GetBoolean(6) ? LockMode.Exclusive : LockMode.Shared;
            if (held.Overlaps(range) && !IsSameOwner(holder, owner) && (mode == LockMode.Exclusive || heldMode == LockMode.Exclusive)
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
        using var command = new NpgsqlCommand($"""
            SELECT r.client_kind, r.client_id, r.owner_number, r.owner, r.access, r.deny
            FROM share_reservations r JOIN lock_servers s ON s.server_id = r.server_id
            WHERE r.file_id = $1 AND r.generation = $2 AND r.server_id <> $3 AND {Counts}
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
                AddRange(insert.Parameters, held.Range);
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
        AddOwner(insert.Parameters, owner);
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

    /// <summary>Inserts a new row for this table, with the status monitor's list when one was published.</summary>
    private Guid Register()
    {
        var server = Guid.NewGuid();
        using var connection = _store.DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand("INSERT INTO lock_servers (server_id, name, expires_at) VALUES ($1, $2, clock_timestamp() + $3)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = server });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _name });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _lease });
            command.ExecuteNonQuery();
        }
        if (_monitors is { } monitors)
        {
            WriteMonitors(connection, transaction, server, monitors);
        }
        transaction.Commit();
        return server;
    }

    /// <summary>
    /// Takes over every server whose lease lapsed and that nobody took over yet, in one UPDATE: under READ COMMITTED a
    /// concurrent claim of the same row waits for this one's commit and then finds it taken, so each dead server is
    /// taken over by exactly one survivor. Its locks and reservations keep counting until the grace ends (then the
    /// renewals delete the row, and what was not reclaimed with it); for each status monitor name among the rows that
    /// hold something, a new state number is taken (above every one sent under that name) and handed, with the
    /// watched hosts, to <see cref="TookOver"/>, which sends SM_NOTIFY.
    /// </summary>
    internal void TakeOver()
    {
        var claimed = Database("take over the locks of servers whose lease lapsed", connection =>
        {
            using var transaction = connection.BeginTransaction();
            var rows = new List<(Guid Server, string Name, string? NsmName, int NsmState, long Locks, long Reservations)>();
            using (var claim = new NpgsqlCommand("""
                UPDATE lock_servers s SET taken_over_by = $1, grace_until = clock_timestamp() + $2
                WHERE expires_at < clock_timestamp() AND taken_over_by IS NULL
                RETURNING server_id, name, nsm_name, coalesce(nsm_state, 0),
                    (SELECT count(*) FROM held_locks h WHERE h.server_id = s.server_id),
                    (SELECT count(*) FROM share_reservations r WHERE r.server_id = s.server_id)
                """, connection, transaction))
            {
                claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
                claim.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _takeoverGrace });
                using var reader = claim.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add((reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5)));
                }
            }
            var takeovers = new List<LockTakeover>();
            foreach (var group in rows.Where(row => row.NsmName is not null && row.Locks + row.Reservations > 0).GroupBy(row => row.NsmName!))
            {
                int state;
                using (var next = new NpgsqlCommand("""
                    INSERT INTO nsm_states VALUES ($1, $2 + 2) ON CONFLICT (name) DO UPDATE SET state = greatest(nsm_states.state, $2) + 2
                    RETURNING state
                    """, connection, transaction))
                {
                    next.Parameters.Add(new NpgsqlParameter<string> { TypedValue = group.Key });
                    next.Parameters.Add(new NpgsqlParameter<int> { TypedValue = group.Max(row => row.NsmState) | 1 });
                    state = (int)next.ExecuteScalar()!;
                }
                var hosts = new Dictionary<string, WatchedHost>(StringComparer.Ordinal);
                using (var watched = new NpgsqlCommand("SELECT host_name, address FROM monitored_hosts WHERE server_id = ANY($1)", connection, transaction))
                {
                    watched.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. group.Select(row => row.Server)] });
                    using var reader = watched.ExecuteReader();
                    while (reader.Read())
                    {
                        hosts[reader.GetString(0)] = new WatchedHost(reader.GetString(0), System.Net.IPAddress.Parse(reader.GetString(1)));
                    }
                }
                takeovers.Add(new LockTakeover([.. group.Select(row => row.Name)], group.Key, state, [.. hosts.Values]));
            }
            transaction.Commit();
            foreach (var row in rows)
            {
                _log.LogWarning("The lock table of {Server} in PostgreSQL database {Database} stopped renewing its lease: {Name} took it over; its {Locks} lock(s) and {Reservations} share reservation(s) are kept for {Grace} for their owners to reclaim",
                    row.Name, _store.Database, _name, row.Locks, row.Reservations, _takeoverGrace);
            }
            return takeovers;
        });
        if (claimed.Failed)
        {
            return;
        }
        foreach (var takeover in claimed.Value!)
        {
            TookOver?.Invoke(takeover);
        }
    }

    /// <summary>
    /// Every third of the lease: extends this server's row, deletes the rows (and locks) of taken-over servers whose
    /// grace is over, publishes the files whose publication failed, and takes over servers whose lease lapsed
    /// (<see cref="TakeOver"/>). A row that is gone (this server's lease lapsed while the
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
                // A row that lapsed but nobody took over yet lives on (its locks never stopped counting); a taken-over one does not.
                var renew = new NpgsqlBatchCommand("UPDATE lock_servers SET expires_at = clock_timestamp() + $2 WHERE server_id = $1 AND taken_over_by IS NULL");
                renew.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ServerId });
                renew.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _lease });
                batch.BatchCommands.Add(renew);
                // Taken-over servers whose grace is over: what was not reclaimed goes with the row.
                batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM lock_servers WHERE grace_until < clock_timestamp()"));
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
                _log.LogWarning("The lock table of {Server} in PostgreSQL database {Database} was not renewed within its lease ({Lease}) and another server took it over (and told its clients to reclaim); published again under a new row",
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
            TakeOver();
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

    /// <summary>The range from <paramref name="first"/> to <paramref name="last"/> (inclusive); to the end of the file when last is the last byte.</summary>
    private static LockRange FromBounds(ulong first, ulong last) => new(first, last == ulong.MaxValue ? 0 : last - first + 1);

    private static void AddOwner(NpgsqlParameterCollection parameters, LockOwner owner)
    {
        parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)owner.Client.Kind });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = owner.Client.Id.ToArray() });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = owner.Number });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = owner.Owner.ToArray() });
    }

    private static void AddRange(NpgsqlParameterCollection parameters, LockRange range)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)range.Offset) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)range.Length) });
    }

    private static void AddFile(NpgsqlCommand command, FileLockKey file) => AddFile(command.Parameters, file);

    private static void AddFile(NpgsqlParameterCollection parameters, FileLockKey file)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = unchecked((long)file.FileId) });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = file.Generation });
    }
}
