using DittoFs.Storage;
using DittoFs.Storage.Memory;

namespace DittoFs.Nfs.Tests.Support;

/// <summary>The in-memory content store, counting the calls whose effect the NFS layer is responsible for.</summary>
internal sealed class RecordingContentStore : IContentStore, IContentLending
{
    private readonly MemoryContentStore _inner;

    public RecordingContentStore(ulong capacityBytes = 1UL << 30) => _inner = new(capacityBytes);

    public int Flushes { get; private set; }
    public List<ContentId> Deleted { get; } = [];
    public List<(ContentId Content, ulong Size)> Truncations { get; } = [];

    /// <summary>Runs inside every WriteAsync, before the bytes are taken: lets a test change the namespace mid-WRITE.</summary>
    public Func<Task>? DuringWrite { get; set; }

    /// <summary>Runs inside every DeleteAsync, before the content goes: lets a test hold deletions back.</summary>
    public Func<Task>? DuringDelete { get; set; }

    /// <summary>What DeleteAsync answers for content it is given: Ok (and deletes), or a failure to simulate.</summary>
    public StoreStatus DeleteStatus { get; set; } = StoreStatus.Ok;

    /// <summary>Runs inside every FlushAsync, before it answers <see cref="FlushStatus"/>.</summary>
    public Action? DuringFlush { get; set; }

    /// <summary>What FlushAsync answers: Ok, or a failure to simulate (a full disk, an unreachable bucket).</summary>
    public StoreStatus FlushStatus { get; set; } = StoreStatus.Ok;

    /// <summary>READs answered by lending (<see cref="IContentLending"/>) rather than copying.</summary>
    public int Lends { get; private set; }

    public ValueTask<StoreResult<int>> LendAsync(ContentId content, ulong offset, int count, IContentBorrower borrower, CancellationToken cancellationToken = default)
    {
        Lends++;
        return _inner.LendAsync(content, offset, count, borrower, cancellationToken);
    }

    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(content, offset, destination, cancellationToken);

    public async ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (DuringWrite is { } during)
        {
            await during();
        }
        return await _inner.WriteAsync(content, offset, data, cancellationToken);
    }

    public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        Truncations.Add((content, size));
        return _inner.TruncateAsync(content, size, cancellationToken);
    }

    public async ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        if (DuringDelete is { } during)
        {
            await during();
        }
        if (DeleteStatus != StoreStatus.Ok)
        {
            return DeleteStatus;
        }
        lock (Deleted)
        {
            Deleted.Add(content);
        }
        return await _inner.DeleteAsync(content, cancellationToken);
    }

    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        Flushes++;
        DuringFlush?.Invoke();
        return FlushStatus == StoreStatus.Ok ? _inner.FlushAsync(content, cancellationToken) : new(FlushStatus);
    }

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) => _inner.GetStatsAsync(cancellationToken);
}
