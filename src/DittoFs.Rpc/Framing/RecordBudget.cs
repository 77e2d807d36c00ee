namespace DittoFs.Rpc;

/// <summary>
/// One server-wide budget for the bytes held in partly received call records (the record buffers of
/// <see cref="RecordAssembler"/>s whose record is not complete yet), across all connections. A connection whose record
/// must grow charges the growth here first; when the budget cannot cover it the connection stops reading
/// (<see cref="WaitAsync"/>) until other records complete or their connections close and give bytes back. Waiters are
/// served first come, first served: a large request at the head is not starved by smaller ones behind it.
/// <para>
/// The fast path (<see cref="TryCharge"/>, <see cref="Release"/>) is a compare-and-swap and allocates nothing; only a
/// connection that has to wait allocates its waiter.
/// </para>
/// </summary>
internal sealed class RecordBudget
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _used;
    private int _waiting;

    public RecordBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The most bytes all partial records together may hold (beyond what each record holds for free).</summary>
    public long Limit { get; }

    /// <summary>Bytes charged right now.</summary>
    public long Used => Volatile.Read(ref _used);

    /// <summary>Connections waiting for budget right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Charges <paramref name="bytes"/> if they fit under the limit; false (nothing charged) if not.</summary>
    public bool TryCharge(long bytes)
    {
        if (bytes <= 0)
            return true;
        long used = Volatile.Read(ref _used);
        while (true)
        {
            if (used + bytes > Limit)
                return false;
            long seen = Interlocked.CompareExchange(ref _used, used + bytes, used);
            if (seen == used)
                return true;
            used = seen;
        }
    }

    /// <summary>Charges <paramref name="bytes"/> whatever the limit (a record larger than the whole budget, once it has all of it).</summary>
    public void Overdraw(long bytes) => Interlocked.Add(ref _used, bytes);

    /// <summary>Gives back bytes charged earlier, and hands them on to connections waiting for them.</summary>
    public void Release(long bytes)
    {
        if (bytes <= 0)
            return;
        Interlocked.Add(ref _used, -bytes);
        if (Volatile.Read(ref _waiting) > 0)
            GrantWaiters();
    }

    /// <summary>
    /// Completes once <paramref name="bytes"/> are charged: at once if they fit (and nobody waits before), else when enough
    /// is released. A request larger than the whole budget is capped at it (it waits for an empty budget). Cancelled:
    /// nothing stays charged.
    /// </summary>
    public Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        bytes = Math.Min(bytes, Limit);
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && TryCharge(bytes))
                return Task.CompletedTask;
            waiter = new Waiter(this, bytes);
            waiter.Node = _waiters.AddLast(waiter);
            Interlocked.Increment(ref _waiting);
        }
        // Released between the failed charge and the enqueue: nobody else will look at the queue.
        GrantWaiters();
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Budget.Cancel((Waiter)state!, token), waiter);
            if (waiter.Completion.Task.IsCompleted)
                waiter.Registration.Dispose(); // granted before the registration existed
        }
        return waiter.Completion.Task;
    }

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
                return; // granted already: the caller owns the charge
            _waiters.Remove(waiter.Node);
            waiter.Node = null;
            Interlocked.Decrement(ref _waiting);
        }
        waiter.Completion.TrySetCanceled(token);
        GrantWaiters(); // the head may have been the one in the way
    }

    private void GrantWaiters()
    {
        while (true)
        {
            Waiter? granted = null;
            lock (_lock)
            {
                var head = _waiters.First;
                if (head is null || !TryCharge(head.Value.Bytes))
                    return;
                _waiters.RemoveFirst();
                head.Value.Node = null;
                Interlocked.Decrement(ref _waiting);
                granted = head.Value;
            }
            granted.Registration.Dispose();
            granted.Completion.TrySetResult();
        }
    }

    private sealed class Waiter(RecordBudget budget, long bytes)
    {
        public RecordBudget Budget { get; } = budget;
        public long Bytes { get; } = bytes;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }
}
