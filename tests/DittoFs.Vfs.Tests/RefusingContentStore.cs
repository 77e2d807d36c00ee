using DittoFs.Storage;
using DittoFs.Storage.Memory;

namespace DittoFs.Vfs.Tests;

/// <summary>The in-memory content store, with truncations refused on demand (as S3 refuses them while it is away).</summary>
internal sealed class RefusingContentStore : IContentStore
{
    private readonly MemoryContentStore _inner = new();

    /// <summary>What TruncateAsync answers without truncating; Ok truncates.</summary>
    public StoreStatus TruncateStatus { get; set; } = StoreStatus.Ok;

    /// <summary>Runs inside TruncateAsync before it answers: lets a test change the file meanwhile.</summary>
    public Func<Task>? DuringTruncate { get; set; }

    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(content, offset, destination, cancellationToken);

    public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(content, offset, data, cancellationToken);

    public async ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        if (DuringTruncate is { } during)
        {
            await during();
        }
        return TruncateStatus == StoreStatus.Ok ? await _inner.TruncateAsync(content, size, cancellationToken) : TruncateStatus;
    }

    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) => _inner.DeleteAsync(content, cancellationToken);

    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) => _inner.FlushAsync(content, cancellationToken);

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) => _inner.GetStatsAsync(cancellationToken);
}
