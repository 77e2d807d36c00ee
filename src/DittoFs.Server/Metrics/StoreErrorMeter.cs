using System.Diagnostics;
using System.Runtime.CompilerServices;
using DittoFs.Storage;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Counts the back-end failures of one named store as its calls complete. A failure is a status that says the
/// back end itself is in trouble (<see cref="IsFault"/>) or an exception other than cancellation; expected answers
/// (NOENT, ACCES, EXIST, STALE, ...) are not errors, they show per share in dittofs_nfs_operations_total.
/// A call that completed synchronously is inspected in place; only a pending one goes through an (pooled) await.
/// </summary>
internal sealed class StoreErrorMeter(DittoMetrics metrics, string storeName, string kind, string backend)
{
    private static readonly KeyValuePair<string, object?> ExceptionStatus = new("status", "exception");

    private readonly KeyValuePair<string, object?> _store = new("store", storeName);
    private readonly KeyValuePair<string, object?> _kind = new("kind", kind);
    private readonly KeyValuePair<string, object?> _backend = new("backend", backend);

    /// <summary>Statuses that mean the store failed, not that the request was wrong.</summary>
    public static bool IsFault(StoreStatus status) => status is StoreStatus.Io or StoreStatus.NxIo or StoreStatus.NoSpc
        or StoreStatus.DQuot or StoreStatus.Jukebox or StoreStatus.ServerFault;

    public ValueTask<StoreResult<T>> Watch<T>(ValueTask<StoreResult<T>> pending)
    {
        if (!pending.IsCompletedSuccessfully)
            return AwaitAsync(pending);
        var result = pending.Result;
        Count(result.Status);
        return new ValueTask<StoreResult<T>>(result);
    }

    public ValueTask<StoreStatus> Watch(ValueTask<StoreStatus> pending)
    {
        if (!pending.IsCompletedSuccessfully)
            return AwaitAsync(pending);
        var status = pending.Result;
        Count(status);
        return new ValueTask<StoreStatus>(status);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreResult<T>> AwaitAsync<T>(ValueTask<StoreResult<T>> pending)
    {
        StoreResult<T> result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CountException();
            throw;
        }
        Count(result.Status);
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<StoreStatus> AwaitAsync(ValueTask<StoreStatus> pending)
    {
        StoreStatus status;
        try
        {
            status = await pending.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CountException();
            throw;
        }
        Count(status);
        return status;
    }

    private void Count(StoreStatus status)
    {
        if (!IsFault(status))
            return;
        var tags = new TagList { _store, _kind, _backend, MetricTags.NfsStatus((uint)status) };
        metrics.StoreErrors.Add(1, in tags);
    }

    private void CountException()
    {
        var tags = new TagList { _store, _kind, _backend, ExceptionStatus };
        metrics.StoreErrors.Add(1, in tags);
    }
}
