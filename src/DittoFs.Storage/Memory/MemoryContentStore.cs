using System.Collections.Concurrent;

namespace DittoFs.Storage.Memory;

/// <summary>
/// A content store held in memory, in chunks of up to 64 KiB per file (<see cref="ChunkedContent"/>), each sized to
/// the bytes written in it (within 1.5 times, and at least 512 B): sparse files and large offsets cost only what was
/// written, and a small file about its size. Thread-safe with one lock per file. Freed chunks serve later writes
/// (<see cref="ChunkPool"/>), up to a bound in bytes (<see cref="DefaultPoolBytes"/> by default); beyond it they go
/// back to the GC, and from there to the system, so memory is given back after files are removed. Nothing is durable, so
/// <see cref="FlushAsync"/> has nothing to do; the server's write verifier changes on restart, so clients resend.
/// Large READs borrow the chunks themselves (<see cref="IContentLending"/>), which stay unchanged and out of the
/// pool until the reply is sent.
/// </summary>
public sealed class MemoryContentStore : IContentStore, IContentLending
{
    private readonly ConcurrentDictionary<ContentId, ChunkedContent> _contents = new();
    private readonly Stack<ChunkLoan> _spareLoans = new();
    private readonly ulong _capacity;
    private long _allocated;

    /// <summary>
    /// Bytes of freed chunks kept for reuse by default (never more than a sixteenth of the capacity): enough for the
    /// churn of thousands of small files without new allocations, little against a server's resident set at start.
    /// </summary>
    public const long DefaultPoolBytes = 4 << 20;

    /// <param name="capacityBytes">Bytes of chunks the store may hold before writes fail with NoSpc; by default half the memory available to the process.</param>
    /// <param name="poolBytes">Bytes of freed chunks kept for reuse; by default <see cref="DefaultPoolBytes"/>, or a sixteenth of the capacity if less.</param>
    public MemoryContentStore(ulong? capacityBytes = null, long? poolBytes = null)
    {
        _capacity = capacityBytes ?? (ulong)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);
        Chunks = new ChunkPool(poolBytes ?? (long)Math.Min(_capacity / 16, DefaultPoolBytes), () => Volatile.Read(ref _allocated));
    }

    internal ChunkPool Chunks { get; }

    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        int read = _contents.TryGetValue(content, out var chunks) ? chunks.Read(offset, destination.Span) : 0;
        return new(read);
    }

    public ValueTask<StoreResult<int>> LendAsync(ContentId content, ulong offset, int count, IContentBorrower borrower, CancellationToken cancellationToken = default)
    {
        if (count <= 0 || !_contents.TryGetValue(content, out var chunks))
        {
            return new(0);
        }
        // Held before anything is borrowed, so the borrower returns whatever a failure leaves lent.
        var loan = ChunkLoan.Rent(_spareLoans);
        borrower.Hold(loan);
        return new(chunks.Lend(offset, count, borrower, loan));
    }

    public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty)
        {
            return new(StoreStatus.Ok);
        }
        if (PosixRules.CheckWriteRange(offset, (ulong)data.Length) is var range and not StoreStatus.Ok)
        {
            return new(range);
        }
        StoreStatus status;
        // A delete racing with this write detaches the object we hold; start again on a fresh one.
        while (!_contents.GetOrAdd(content, static _ => new ChunkedContent()).TryWrite(offset, data.Span, this, out status))
        {
        }
        return new(status);
    }

    public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        if (size > PosixRules.MaxFileSize)
        {
            return new(StoreStatus.FBig);
        }
        if (size == 0 && !_contents.ContainsKey(content))
        {
            return new(StoreStatus.Ok);
        }
        while (!_contents.GetOrAdd(content, static _ => new ChunkedContent()).TryTruncate(size, this))
        {
        }
        return new(StoreStatus.Ok);
    }

    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        if (_contents.TryRemove(content, out var chunks))
        {
            chunks.Delete(this);
        }
        return new(StoreStatus.Ok);
    }

    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) => new(StoreStatus.Ok);

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        ulong used = (ulong)Volatile.Read(ref _allocated);
        ulong free = _capacity > used ? _capacity - used : 0;
        return new(new SpaceStats(_capacity, free, free));
    }

    internal bool TryReserve(long bytes)
    {
        while (true)
        {
            long allocated = Volatile.Read(ref _allocated);
            if ((ulong)(allocated + bytes) > _capacity)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _allocated, allocated + bytes, allocated) == allocated)
            {
                return true;
            }
        }
    }

    internal void Release(long bytes) => Interlocked.Add(ref _allocated, -bytes);
}
