using DittoFs.Tools.Nfs.Session;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>getattr: GETATTR of the data file for the duration, four times the depth in flight: the RPC path itself.</summary>
internal static class GetattrLoad
{
    public static async Task<WorkloadReport> RunAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var file = target.DataFile!.Value;
        var runner = new LoadRunner(target.Errors);
        var result = await runner.RunAsync("getattr", target.Settings.InFlight(4), null, target.Settings.Duration, async (_, token) =>
        {
            ulong size = await target.Client.GetSizeAsync(file, target.DataFilePath, token).ConfigureAwait(false);
            if (size != (ulong)target.Settings.FileSize)
                throw new ProtocolViolationException($"GETATTR says {size} bytes, expected {target.Settings.FileSize}");
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return new WorkloadReport(result.Format(), result.Errors);
    }
}
