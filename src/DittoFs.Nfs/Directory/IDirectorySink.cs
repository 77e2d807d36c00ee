using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>
/// Collects the entries of one READDIR or READDIRPLUS reply while keeping its encoded size within the client's
/// limits. Implemented by structs, used through a generic constraint so nothing boxes.
/// </summary>
internal interface IDirectorySink
{
    /// <summary>Starts the reply once the directory's attributes are known (they count against the limit).</summary>
    void Begin(in PostOpAttr directory);

    /// <summary>False when the reply without entries is already over the limit.</summary>
    bool Fits { get; }

    /// <summary>Entries taken so far.</summary>
    int Count { get; }

    /// <summary>How many more entries the store should be asked for at once (a guess from the room left).</summary>
    int SuggestedBatchSize { get; }

    /// <summary>Appends an entry if its encoding fits; false (and nothing appended) when it does not.</summary>
    bool TryAdd(in DirectoryEntry entry);
}
