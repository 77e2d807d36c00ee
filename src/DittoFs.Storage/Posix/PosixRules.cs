namespace DittoFs.Storage;

/// <summary>
/// The POSIX rules every metadata store applies, so all back ends answer alike: name checks, permission checks,
/// and how attributes change on SETATTR, creation, writes and namespace changes. Pure functions over
/// <see cref="InodeAttributes"/>; a back end reads its records, calls these, and stores the results.
/// Where POSIX leaves a choice, Linux (and its nfsd) is followed; each such place says so.
/// </summary>
public static partial class PosixRules
{
    /// <summary>Longest name in bytes (NAME_MAX; PATHCONF name_max).</summary>
    public const int MaxNameLength = 255;

    /// <summary>Longest symlink target in bytes (PATH_MAX).</summary>
    public const int MaxSymlinkTargetLength = 4096;

    /// <summary>Most names one non-directory may have (PATHCONF link_max; ext4's limit).</summary>
    public const uint MaxLinkCount = 65000;

    /// <summary>Largest file size and write end (FSINFO maxfilesize): what a signed 64-bit offset can reach.</summary>
    public const ulong MaxFileSize = long.MaxValue;

    /// <summary>The size reported for directories.</summary>
    public const ulong DirectorySize = 4096;
}
