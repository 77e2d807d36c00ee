using System.Globalization;
using DittoFs.Tools.Nfs.Formatting;

namespace DittoFs.Tools.Nfs.Bench;

/// <summary>What one run of a workload measured.</summary>
internal sealed record LoadResult(string Workload, TimeSpan Elapsed, long Operations, long Bytes, double P50Microseconds, double P99Microseconds, double P999Microseconds, long Errors)
{
    public double OperationsPerSecond => Operations / Math.Max(Elapsed.TotalSeconds, 1e-9);
    public double MebibytesPerSecond => Bytes / Sizes.Mebibyte / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>One line in nfsbench's format (plus p999_us), so the two tools' output compares directly.</summary>
    public string Format(string? extra = null) => string.Create(CultureInfo.InvariantCulture,
        $"workload={Workload} seconds={Elapsed.TotalSeconds:0.000} ops={Operations} ops_per_s={OperationsPerSecond:0} mib_per_s={MebibytesPerSecond:0.0} p50_us={P50Microseconds:0} p99_us={P99Microseconds:0} p999_us={P999Microseconds:0} errors={Errors}{(extra is null ? "" : " " + extra)}");
}
