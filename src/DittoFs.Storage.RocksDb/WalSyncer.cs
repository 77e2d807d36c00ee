namespace DittoFs.Storage.RocksDb;

/// <summary>
/// Group commit of the WAL. A change applies its batch (unsynced), then asks for a sync and waits without holding a
/// thread; one background thread runs one WAL sync (<see cref="MetadataDatabase.MakeDurable"/>) for every caller
/// that asked before it started, while the callers of the next sync gather. So concurrent changes share one fsync
/// however few threads the pool has, instead of each blocking a pool thread in its own (RocksDB groups only writers
/// that are inside it at the same moment). A caller that asks while a sync runs waits for the next one: its batch
/// may have been applied after the running sync began.
/// </summary>
internal sealed class WalSyncer : IDisposable
{
    private readonly MetadataDatabase _db;
    private readonly object _gate = new(); // a monitor: the sync thread waits on it for callers
    private readonly Thread _thread;
    private TaskCompletionSource<StoreStatus>? _next;
    private bool _stopping;
    private long _syncs;

    public WalSyncer(MetadataDatabase db)
    {
        _db = db;
        _thread = new Thread(Run) { IsBackground = true, Name = "RocksDB WAL sync" };
        _thread.Start();
    }

    /// <summary>WAL syncs run so far.</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Completes when every batch applied before the call is durable: Ok, or why the sync failed.</summary>
    public Task<StoreStatus> SyncAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_next is null)
            {
                // Continuations run on the pool, not on the sync thread, which goes straight on to the next sync.
                _next = new TaskCompletionSource<StoreStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
                Monitor.Pulse(_gate);
            }
            return _next.Task;
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource<StoreStatus> batch;
            lock (_gate)
            {
                while (_next is null)
                {
                    if (_stopping)
                    {
                        return;
                    }
                    Monitor.Wait(_gate);
                }
                batch = _next;
                _next = null;
            }
            StoreStatus status;
            try
            {
                status = _db.MakeDurable();
            }
            catch (ObjectDisposedException)
            {
                status = StoreStatus.Io;
            }
            Interlocked.Increment(ref _syncs);
            batch.SetResult(status);
        }
    }

    /// <summary>Runs the sync callers are already waiting for, then stops the thread. Call before disposing the database.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        _thread.Join();
    }
}
