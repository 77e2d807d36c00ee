namespace DittoFs.Storage.S3.Threading;

/// <summary>
/// A reader/writer lock that waits asynchronously: block uploads of one content share it, truncation and deletion
/// take it alone, so an upload never lands after the truncation that should have removed its block. Waiting
/// writers go before new readers (a stream of uploads cannot starve a truncation) and waiting readers go before
/// the next writer. Holders are bounded by the S3 request timeout, so waits take no cancellation token.
/// </summary>
internal sealed class AsyncReaderWriterLock
{
    private readonly Lock _sync = new();
    private readonly Queue<TaskCompletionSource> _waitingWriters = new();
    private TaskCompletionSource? _waitingReaders;
    private int _waitingReaderCount;

    /// <summary>Readers holding the lock, or -1 while a writer holds it.</summary>
    private int _holders;

    public Task EnterReadAsync()
    {
        lock (_sync)
        {
            if (_holders >= 0 && _waitingWriters.Count == 0)
            {
                _holders++;
                return Task.CompletedTask;
            }
            _waitingReaderCount++;
            _waitingReaders ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waitingReaders.Task;
        }
    }

    public void ExitRead()
    {
        TaskCompletionSource? writer = null;
        lock (_sync)
        {
            if (--_holders == 0 && _waitingWriters.Count > 0)
            {
                _holders = -1;
                writer = _waitingWriters.Dequeue();
            }
        }
        writer?.SetResult();
    }

    public Task EnterWriteAsync()
    {
        lock (_sync)
        {
            if (_holders == 0)
            {
                _holders = -1;
                return Task.CompletedTask;
            }
            var writer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitingWriters.Enqueue(writer);
            return writer.Task;
        }
    }

    public void ExitWrite()
    {
        TaskCompletionSource? next = null;
        lock (_sync)
        {
            if (_waitingReaderCount > 0)
            {
                _holders = _waitingReaderCount;
                _waitingReaderCount = 0;
                next = _waitingReaders;
                _waitingReaders = null;
            }
            else if (_waitingWriters.Count > 0)
            {
                next = _waitingWriters.Dequeue();
            }
            else
            {
                _holders = 0;
            }
        }
        next?.SetResult();
    }
}
