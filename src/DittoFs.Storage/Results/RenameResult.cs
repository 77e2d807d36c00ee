namespace DittoFs.Storage;

/// <summary>
/// RENAME's answer: WCC data of both directories (the same values twice for a rename within one directory) and
/// the content id of a regular file whose last name was replaced, which the caller deletes from the content store.
/// </summary>
public readonly record struct RenameResult(WccData FromDirectory, WccData ToDirectory, ContentId ReleasedContent);
