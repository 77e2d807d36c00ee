namespace DittoFs.Storage;

public static partial class PosixRules
{
    public static bool IsDot(ReadOnlySpan<byte> name) => name.Length == 1 && name[0] == (byte)'.';

    public static bool IsDotDot(ReadOnlySpan<byte> name) => name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.';

    /// <summary>
    /// What every name must be: not empty, no '/' or NUL (a component of a path, RFC 1813 §3.3 "filename3"),
    /// at most <see cref="MaxNameLength"/> bytes (NameTooLong). "." and ".." pass; each operation decides on them.
    /// </summary>
    public static StoreStatus CheckNameSyntax(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0)
        {
            return StoreStatus.Inval;
        }
        if (name.Length > MaxNameLength)
        {
            return StoreStatus.NameTooLong;
        }
        return name.IndexOfAny((byte)'/', (byte)0) >= 0 ? StoreStatus.Inval : StoreStatus.Ok;
    }

    /// <summary>A name to create (CREATE, MKDIR, SYMLINK, MKNOD, LINK): "." and ".." always exist, so Exist (mkdir(2)).</summary>
    public static StoreStatus CheckNewName(ReadOnlySpan<byte> name) =>
        CheckNameSyntax(name) is var status and not StoreStatus.Ok ? status
        : IsDot(name) || IsDotDot(name) ? StoreStatus.Exist
        : StoreStatus.Ok;

    /// <summary>A name to REMOVE: "." and ".." name directories, so IsDir (unlink(2) on Linux).</summary>
    public static StoreStatus CheckRemoveName(ReadOnlySpan<byte> name) =>
        CheckNameSyntax(name) is var status and not StoreStatus.Ok ? status
        : IsDot(name) || IsDotDot(name) ? StoreStatus.IsDir
        : StoreStatus.Ok;

    /// <summary>A name to RMDIR: "." is Inval, ".." is NotEmpty (its directory holds at least this one), as rmdir(2) on Linux.</summary>
    public static StoreStatus CheckRmdirName(ReadOnlySpan<byte> name) =>
        CheckNameSyntax(name) is var status and not StoreStatus.Ok ? status
        : IsDot(name) ? StoreStatus.Inval
        : IsDotDot(name) ? StoreStatus.NotEmpty
        : StoreStatus.Ok;

    /// <summary>Either name of a RENAME: "." and ".." cannot be moved or replaced, so Inval (rename(2)).</summary>
    public static StoreStatus CheckRenameName(ReadOnlySpan<byte> name) =>
        CheckNameSyntax(name) is var status and not StoreStatus.Ok ? status
        : IsDot(name) || IsDotDot(name) ? StoreStatus.Inval
        : StoreStatus.Ok;

    /// <summary>A symlink target: not empty (Inval, as Linux nfsd), no NUL, at most <see cref="MaxSymlinkTargetLength"/> bytes.</summary>
    public static StoreStatus CheckSymlinkTarget(ReadOnlySpan<byte> target)
    {
        if (target.Length == 0 || target.Contains((byte)0))
        {
            return StoreStatus.Inval;
        }
        return target.Length > MaxSymlinkTargetLength ? StoreStatus.NameTooLong : StoreStatus.Ok;
    }
}
