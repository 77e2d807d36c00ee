using DittoFs.Storage;

namespace DittoFs.Server.Metrics;

/// <summary>
/// A content store whose back-end failures are counted (see <see cref="StoreErrorMeter"/>); everything else passes
/// through, lending too where the store lends (<see cref="Wrap"/>).
/// </summary>
internal class MeteredContentStore(IContentStore inner, StoreErrorMeter errors) : IContentStore
{
    /// <summary>The metered store: one that lends if <paramref name="inner"/> does, so READs stay sent from its memory.</summary>
    public static IContentStore Wrap(IContentStore inner, StoreErrorMeter errors) =>
        inner is IContentLending lending ? new Lending(inner, lending, errors) : new MeteredContentStore(inner, errors);

    protected StoreErrorMeter Errors { get; } = errors;

    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.ReadAsync(content, offset, destination, cancellationToken));

    public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.WriteAsync(content, offset, data, cancellationToken));

    public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.TruncateAsync(content, size, cancellationToken));

    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.DeleteAsync(content, cancellationToken));

    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.FlushAsync(content, cancellationToken));

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Errors.Watch(inner.GetStatsAsync(cancellationToken));

    private sealed class Lending(IContentStore inner, IContentLending lending, StoreErrorMeter errors)
        : MeteredContentStore(inner, errors), IContentLending
    {
        public ValueTask<StoreResult<int>> LendAsync(ContentId content, ulong offset, int count, IContentBorrower borrower, CancellationToken cancellationToken = default) =>
            Errors.Watch(lending.LendAsync(content, offset, count, borrower, cancellationToken));
    }
}
