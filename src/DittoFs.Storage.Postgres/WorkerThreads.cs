using System.Collections.Concurrent;

namespace DittoFs.Storage.Postgres;

/// <summary>
/// The store's own threads, one per pooled connection, that run its synchronous database work (the namespace skeleton
/// is synchronous, so a change's statements are too). Calls queue here and await the result without holding a
/// thread. Not the thread pool: a pool thread blocked on a row lock cannot run the I/O continuation that the lock's
/// holder may be waiting for inside Npgsql, and with every pool thread so blocked a change stalled until its statement
/// timeout (seen in tests: 100 concurrent creates in one directory waited 30 s). These threads only ever wait on the
/// database, which sees (and breaks) every wait among its transactions.
/// </summary>
internal sealed class WorkerThreads : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();

    public WorkerThreads(int count, string name)
    {
        for (int i = 0; i < count; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"{name} {i}" }.Start();
        }
    }

    public Task<T> Run<T>(Func<T> call)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                completion.SetResult(call());
            }
            catch (Exception exception)
            {
                completion.SetException(exception);
            }
        });
        return completion.Task;
    }

    /// <summary>Lets the threads end once the queued work is done.</summary>
    public void Dispose() => _queue.CompleteAdding();

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item();
        }
    }
}
