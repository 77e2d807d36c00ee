using System.Diagnostics;
using DittoFs.Protocol;
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
        var result = await runner.RunAsync("seq_write", target.Settings.Depth, count, null, async (index, token) =>
        {
            long offset = index * BenchSettings.IoSize;
            var reply = await target.Session.Nfs.WriteAsync(new Write3Args
            {
                File = file,
                Offset = (ulong)offset,
                Count = BenchSettings.IoSize,
                Stable = StableHow.Unstable,
                Data = DataPattern.At(offset, BenchSettings.IoSize),
            }, token).ConfigureAwait(false);
            NfsException.ThrowIfFailed(reply.Status, "WRITE", target.DataFilePath);
            if (reply.Resok.Count != BenchSettings.IoSize)
                throw new ProtocolViolationException($"WRITE at {offset} wrote {reply.Resok.Count} of {BenchSettings.IoSize} bytes");
            verifiers.Note(reply.Resok.Verf.Span, runner, "WRITE");
            return BenchSettings.IoSize;
        }, cancellationToken).ConfigureAwait(false);

        var commit = await target.Session.Nfs.CommitAsync(new Commit3Args { File = file, Offset = 0, Count = 0 }, cancellationToken).ConfigureAwait(false);
        if (commit.Status != Nfsstat3.Nfs3Ok)
            runner.Error($"COMMIT: {NfsStatusText.Name(commit.Status)}");
        else
            verifiers.Note(commit.Resok.Verf.Span, runner, "COMMIT");
        result = result with { Elapsed = clock.Elapsed, Errors = runner.Errors };
        target.DataWritten = result.Errors == 0;
        return new WorkloadReport(result.Format("io_kib=1024"), result.Errors);
    }

    /// <summary>All replies of one run must carry the first verifier seen; a change means the server restarted mid-run.</summary>
    private sealed class VerifierCheck
    {
        private readonly Lock _lock = new();
        private byte[]? _first;

        public void Note(ReadOnlySpan<byte> verifier, LoadRunner runner, string procedure)
        {
            lock (_lock)
            {
                if (_first is null)
                    _first = verifier.ToArray();
                else if (!verifier.SequenceEqual(_first))
                    runner.Error($"{procedure} returned another write verifier: the server restarted and may have lost unstable data");
            }
        }
    }
}
