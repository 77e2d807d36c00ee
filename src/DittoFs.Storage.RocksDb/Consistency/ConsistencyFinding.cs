namespace DittoFs.Storage.RocksDb.Consistency;

/// <summary>One problem an offline check found.</summary>
/// <param name="Problem">What kind of problem.</param>
/// <param name="FileId">The object it concerns (the directory for entry problems), 0 for the store as a whole.</param>
/// <param name="Detail">What exactly, for people: ids, names, expected and found values.</param>
/// <param name="Repairable">Whether a repair fixes it.</param>
public sealed record ConsistencyFinding(ConsistencyProblem Problem, ulong FileId, string Detail, bool Repairable)
{
    /// <summary>Set once a repair has been written.</summary>
    public bool Repaired { get; init; }

    public override string ToString() => $"{Problem}: {Detail}{(Repaired ? " [repaired]" : Repairable ? "" : " [not repairable]")}";
}
