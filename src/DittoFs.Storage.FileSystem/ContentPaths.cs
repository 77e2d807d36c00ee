namespace DittoFs.Storage.FileSystem;

/// <summary>
/// Where a content id's file lives: ROOT/&lt;high half&gt;/&lt;group&gt;/&lt;32 hex digits&gt;. A metadata store's
/// content ids share their high half (its prefix, see StoreIdentity in the RocksDB store) and count up in the low
/// half, so the first level keeps stores sharing a content store apart and the second groups 4,096 consecutive ids:
/// a fresh store fills one directory at a time. That keeps the inodes of files made together together on disk, and
/// a new directory is needed once per 4,096 files rather than for almost every file (a hashed fan-out spreads new
/// files over new directories, which ext4 places far apart: 79 % kernel time when creating small files).
/// The layout is the on-disk format (<see cref="ContentLayout"/> names it and moves older layouts into it).
/// </summary>
internal sealed class ContentPaths(string root)
{
    /// <summary>Consecutive ids per group directory.</summary>
    public const int GroupBits = 12;

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where emptied files wait to be reused (<see cref="SpareFiles"/>); its name is no store directory's.</summary>
    public string SpareDirectory => Path.Join(Root, "spare");

    public string FileOf(ContentId content) => Path.Join(DirectoryOf(content), content.ToString());

    public string DirectoryOf(ContentId content) => Path.Join(StoreDirectoryOf(content), GroupOf(content));

    /// <summary>The first level: one directory per high half, that is per metadata store.</summary>
    public string StoreDirectoryOf(ContentId content) => Path.Join(Root, ((ulong)(content.Value >> 64)).ToString("x16"));

    /// <summary>The content id a file name stands for: 32 hex digits, as <see cref="ContentId.ToString"/> writes them.</summary>
    public static bool TryParse(string fileName, out ContentId content)
    {
        content = default;
        if (fileName.Length != 32 || !UInt128.TryParse(fileName, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var value) || value == UInt128.Zero)
        {
            return false;
        }
        content = new ContentId(value);
        return content.ToString() == fileName;
    }

    private static string GroupOf(ContentId content) => ((ulong)content.Value >> GroupBits).ToString("x13");
}
