using DittoFs.Storage;

namespace DittoFs.Server.Fsck;

/// <summary>What the content side of a check can find.</summary>
public enum ContentProblem
{
    /// <summary>
    /// Content of a metadata store's prefix that no file of it names: bytes nobody can reach. A crash between a
    /// file's last name going (synced) and its content's deletion leaves this; the metadata store then lists it as
    /// released and the server deletes it at its next start. Deleted.
    /// </summary>
    OrphanContent,

    /// <summary>
    /// Content longer than its file's size: bytes of a write that was never acknowledged (a crash between the bytes
    /// landing and the size being recorded), or of a truncation interrupted before it reached the content. A later
    /// extension of the file would show them instead of zeros. Truncated to the size.
    /// </summary>
    ContentBeyondSize,
}

/// <summary>One problem in a content store.</summary>
public sealed record ContentFinding(ContentProblem Problem, string Store, ContentId Content, string Detail)
{
    public bool Repaired { get; init; }

    /// <summary>Why a repair failed, when it did.</summary>
    public string? RepairFailure { get; init; }

    public override string ToString() =>
        $"{Problem}: {Detail}{(Repaired ? " [repaired]" : RepairFailure is not null ? $" [repair failed: {RepairFailure}]" : "")}";
}
