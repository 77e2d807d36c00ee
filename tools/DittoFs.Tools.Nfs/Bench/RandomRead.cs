using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>rand_read_4k: 4 KiB READs at random 4 KiB-aligned offsets for the duration, twice the depth in flight, every byte checked.</summary>
internal static class RandomRead
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var file = target.DataFile!.Value;
        var runner = new LoadRunner(target.Errors);
        long blocks = target.Settings.FileSize / BenchSettings.SmallIoSize;
        var result = await runner.RunAsync("rand_read_4k", target.Settings.InFlight(2), null, target.Settings.Duration,
            (_, token) => SequentialRead.ReadAndCheckAsync(target, file, Random.Shared.NextInt64(blocks) * BenchSettings.SmallIoSize, BenchSettings.SmallIoSize, token),
            cancellationToken).ConfigureAwait(false);
        return new WorkloadReport(result.Format("io_kib=4 verified=1"), result.Errors);
    }
}
