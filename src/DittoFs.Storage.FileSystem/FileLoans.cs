namespace DittoFs.Storage.FileSystem;

/// <summary>
/// The loans <see cref="FileSystemContentStore"/> hands a borrower (<see cref="IContentBorrower.Hold"/>): each keeps
/// a lease on a cached handle until the lent bytes are sent, so the handle is neither evicted nor its file retired
/// as a spare meanwhile. Pooled: every lent READ takes one. Thread-safe.
/// </summary>
internal sealed class FileLoans
{
    // Enough for the READs in flight at once; past it a returned loan is left to the collector.
    private const int MaxIdle = 1024;

    private readonly Lock _gate = new();
    private readonly Stack<Loan> _idle = new();

    /// <summary>A loan that owns <paramref name="lease"/> and releases it when disposed.</summary>
    public IDisposable Lend(FileHandleCache.Lease lease)
    {
        Loan? loan;
        lock (_gate)
        {
            _idle.TryPop(out loan);
        }
        loan ??= new Loan(this);
        loan.Take(lease);
        return loan;
    }

    private void Return(Loan loan)
    {
        lock (_gate)
        {
            if (_idle.Count < MaxIdle)
            {
                _idle.Push(loan);
            }
        }
    }

    private sealed class Loan(FileLoans pool) : IDisposable
    {
        private FileHandleCache.Lease _lease;
        private int _lent; // 1 from Take to the first Dispose

        public void Take(FileHandleCache.Lease lease)
        {
            _lease = lease;
            Volatile.Write(ref _lent, 1);
        }

        /// <summary>
        /// Releases the lease once: a second Dispose before the loan is lent again does nothing (after that it
        /// cannot be told from the new loan's, which is why borrowers dispose exactly once).
        /// </summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _lent, 0) == 0)
            {
                return;
            }
            var lease = _lease;
            _lease = default;
            lease.Dispose();
            pool.Return(this);
        }
    }
}
