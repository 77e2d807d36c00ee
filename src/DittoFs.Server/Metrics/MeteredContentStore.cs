using DittoFs.Storage;

namespace DittoFs.Server.Metrics;

/// <summary>A content store whose back-end failures are counted (see <see cref="StoreErrorMeter"/>); everything else passes through.</summary>
internal sealed class MeteredContentStore(IContentStore inner, StoreErrorMeter errors) : IContentStore
{
    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.ReadAsync(content, offset, destination, cancellationToken));

    public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.WriteAsync(content, offset, data, cancellationToken));

    public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.TruncateAsync(content, size, cancellationToken));

    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.DeleteAsync(content, cancellationToken));

    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) =>
        errors.Watch(inner.FlushAsync(content, cancellationToken));

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) =>
        errors.Watch(inner.GetStatsAsync(cancellationToken));
}
