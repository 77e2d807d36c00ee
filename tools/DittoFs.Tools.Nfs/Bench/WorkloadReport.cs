namespace DittoFs.Tools.Nfs.Bench;

/// <summary>A workload's output line and how many errors it saw (any error makes bench exit 1).</summary>
internal readonly record struct WorkloadReport(string Line, long Errors);
