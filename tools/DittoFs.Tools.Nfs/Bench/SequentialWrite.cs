using System.Diagnostics;
using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>
/// seq_write: the data file written front to back in 1 MiB UNSTABLE WRITEs, depth in flight, then one COMMIT
/// (counted in the time, as nfsbench counts its fsync). Every WRITE reply and the COMMIT must carry the same
/// write verifier, or the run has errors.
/// </summary>
internal static class SequentialWrite
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var file = await target.CreateDataFileAsync(cancellationToken).ConfigureAwait(false);
        var runner = new LoadRunner(target.Errors);
        var verifiers = new VerifierCheck();
        long count = target.Settings.FileSize / BenchSettings.IoSize;
        var clock = Stopwatch.StartNew();
        var result = await runner.RunAsync("seq_write", target.Settings.InFlight(1), count, null, async (index, token) =>
        {
            long offset = index * BenchSettings.IoSize;
            var reply = await target.Client.WriteAsync(file, offset, DataPattern.At(offset, BenchSettings.IoSize), fileSync: false, target.DataFilePath, token).ConfigureAwait(false);
            if (reply.Count != BenchSettings.IoSize)
                throw new ProtocolViolationException($"WRITE at {offset} wrote {reply.Count} of {BenchSettings.IoSize} bytes");
            verifiers.Note(reply.Verifier, runner, "WRITE");
            return BenchSettings.IoSize;
        }, cancellationToken).ConfigureAwait(false);

        try
        {
            var commit = await target.Client.CommitAsync(file, target.DataFilePath, cancellationToken).ConfigureAwait(false);
            verifiers.Note(commit.Verifier, runner, "COMMIT");
        }
        catch (Exception exception) when (exception is NfsException or Nfs4Exception)
        {
            runner.Error($"COMMIT: {exception.Message}");
        }
        result = result with { Elapsed = clock.Elapsed, Errors = runner.Errors };
        target.DataWritten = result.Errors == 0;
        return new WorkloadReport(result.Format("io_kib=1024"), result.Errors);
    }

    /// <summary>All replies of one run must carry the first verifier seen; a change means the server restarted mid-run.</summary>
    private sealed class VerifierCheck
    {
        private readonly Lock _lock = new();
        private ulong? _first;

        public void Note(ulong verifier, LoadRunner runner, string procedure)
        {
            lock (_lock)
            {
                _first ??= verifier;
                if (verifier != _first)
                    runner.Error($"{procedure} returned another write verifier: the server restarted and may have lost unstable data");
            }
        }
    }
}
