namespace DittoFs.Tools.Nfs.Bench;

/// <summary>The bench's knobs, with nfsbench.c's defaults and meaning.</summary>
internal sealed record BenchSettings
{
    public const int IoSize = 1024 * 1024;
    public const int SmallIoSize = 4096;

    /// <summary>Workload names in the order they run by default.</summary>
    public static readonly string[] AllWorkloads = ["seq_write", "seq_read", "rand_read_4k", "getattr", "small_files"];

    /// <summary>Length of the timed workloads (rand_read_4k, getattr).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Calls in flight on each connection: seq_write, seq_read and small_files use it, rand_read_4k twice it, getattr four times.</summary>
    public int Depth { get; init; } = 16;

    /// <summary>TCP connections the calls are spread over (over NFSv4.1, each with its own session).</summary>
    public int Connections { get; init; } = 1;

    /// <summary>Calls a workload keeps in flight: <paramref name="multiplier"/> times the depth, on every connection.</summary>
    public int InFlight(int multiplier) => Depth * multiplier * Connections;

    /// <summary>Size of the data file written and read (a multiple of <see cref="IoSize"/>).</summary>
    public long FileSize { get; init; } = 256L * IoSize;

    /// <summary>Files created, stat'ed, listed and removed by small_files.</summary>
    public int Files { get; init; } = 2000;

    public IReadOnlyList<string> Workloads { get; init; } = AllWorkloads;
}
