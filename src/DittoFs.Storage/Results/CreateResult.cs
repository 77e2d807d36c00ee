namespace DittoFs.Storage;

/// <summary>
/// The answer of CREATE, MKDIR, SYMLINK and MKNOD: the new (or, for CREATE, existing) object, and WCC data of
/// the directory, which is filled on failure too.
/// </summary>
public readonly record struct CreateResult(InodeAttributes File, WccData Directory);
