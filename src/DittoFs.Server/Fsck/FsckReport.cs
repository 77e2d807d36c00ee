using DittoFs.Storage.RocksDb.Consistency;

namespace DittoFs.Server.Fsck;

/// <summary>Everything one <c>dittofs fsck</c> run found, store by store.</summary>
public sealed class FsckReport
{
    public Dictionary<string, MetadataCheckReport> Metadata { get; } = new(StringComparer.Ordinal);
    public List<ContentFinding> Content { get; } = [];

    /// <summary>Stores that were not checked, with why (a store type with nothing to check, a store that cannot list its content).</summary>
    public List<string> Notes { get; } = [];

    public IEnumerable<ConsistencyFinding> MetadataFindings => Metadata.Values.SelectMany(report => report.Findings);

    public int ProblemCount => MetadataFindings.Count() + Content.Count;
    public int RepairedCount => MetadataFindings.Count(f => f.Repaired) + Content.Count(f => f.Repaired);
    public bool IsClean => ProblemCount == 0;

    /// <summary>
    /// No store was checked: no metadata store of the configuration has a database (a data directory the server never
    /// used, a mistyped path, memory stores only), and content is only checked against one. Not clean: nothing is.
    /// </summary>
    public bool NothingChecked => Metadata.Count == 0;

    /// <summary>fsck's exit code: 0 clean, 1 problems found (repaired or not), 2 nothing checked.</summary>
    public int ExitCode => NothingChecked ? FsckCommand.UsageError : IsClean ? FsckCommand.Clean : FsckCommand.ProblemsFound;
}
