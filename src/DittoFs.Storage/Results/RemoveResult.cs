namespace DittoFs.Storage;

/// <summary>
/// REMOVE's answer: WCC data of the directory and, when the last name of a regular file went, its content id,
/// which the caller deletes from the content store.
/// </summary>
public readonly record struct RemoveResult(WccData Directory, ContentId ReleasedContent);
