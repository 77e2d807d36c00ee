using System.Diagnostics;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// Keeps <c>depth</c> operations in flight, one per worker (worker <c>n</c> on connection <c>n mod connections</c>:
/// <see cref="BenchClient.Lane"/>), until a count is done or a deadline passes, and
/// records each operation's latency in a <see cref="LatencyHistogram"/> (no allocation per call). An operation
/// returns the bytes it moved; one that throws is counted as an error (the first few are printed) and the load goes
/// on, as nfsbench does.
/// </summary>
internal sealed class LoadRunner(TextWriter errors)
{
    private const int PrintedErrors = 5;
    private long _errors;

    public async Task<LoadResult> RunAsync(string workload, int depth, long? count, TimeSpan? duration, Func<long, CancellationToken, Task<long>> operation, CancellationToken cancellationToken)
    {
        long next = 0, bytes = 0;
        _errors = 0;
        var clock = Stopwatch.StartNew();
        var latencies = new LatencyHistogram();

        async Task Worker(int number)
        {
            BenchClient.Lane.Value = number;
            while (!cancellationToken.IsCancellationRequested)
            {
                long index = Interlocked.Increment(ref next) - 1;
                if (count is long limit && index >= limit)
                    return;
                if (duration is TimeSpan span && clock.Elapsed >= span)
                    return;
                long start = Stopwatch.GetTimestamp();
                try
                {
                    Interlocked.Add(ref bytes, await operation(index, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Error($"{workload}: {exception.Message}");
                }
                latencies.RecordSince(start);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, depth).Select(number => Task.Run(() => Worker(number), cancellationToken))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var elapsed = clock.Elapsed;
        return new LoadResult(workload, elapsed, latencies.Count, bytes, latencies.PercentileMicroseconds(0.50),
            latencies.PercentileMicroseconds(0.99), latencies.PercentileMicroseconds(0.999), Interlocked.Read(ref _errors));
    }

    /// <summary>Counts an error found outside an operation (e.g. a COMMIT verifier check), printing the first few.</summary>
    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errors) <= PrintedErrors)
        {
            lock (errors)
                errors.WriteLine($"ditto-nfs: bench: {message}");
        }
    }

    public long Errors => Interlocked.Read(ref _errors);
}
