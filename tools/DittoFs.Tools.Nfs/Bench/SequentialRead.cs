using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>seq_read: the data file read front to back in 1 MiB READs, depth in flight, every byte checked.</summary>
internal static class SequentialRead
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var file = target.DataFile!.Value;
        var runner = new LoadRunner(target.Errors);
        long count = target.Settings.FileSize / BenchSettings.IoSize;
        var result = await runner.RunAsync("seq_read", target.Settings.InFlight(1), count, null,
            (index, token) => ReadAndCheckAsync(target, file, index * BenchSettings.IoSize, BenchSettings.IoSize, token), cancellationToken).ConfigureAwait(false);
        return new WorkloadReport(result.Format("io_kib=1024 verified=1"), result.Errors);
    }

    /// <summary>One READ whose reply must hold exactly the pattern's bytes at <paramref name="offset"/>.</summary>
    public static async Task<long> ReadAndCheckAsync(BenchTarget target, BenchFile file, long offset, int length, CancellationToken cancellationToken)
    {
        var data = await target.Client.ReadAsync(file, offset, length, target.DataFilePath, cancellationToken).ConfigureAwait(false);
        if (data.Length != length)
            throw new ProtocolViolationException($"READ at {offset} returned {data.Length} of {length} bytes");
        if (!DataPattern.Matches(data.Span, offset))
            throw new ProtocolViolationException($"READ at {offset} returned wrong data");
        return length;
    }
}
