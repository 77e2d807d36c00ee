namespace DittoFs.Storage.FileSystem;

/// <summary>
/// Where a content id's file lives: ROOT/xx/yy/&lt;32 hex digits&gt;. The two fan-out levels (256 x 256 directories)
/// keep any one directory small with millions of files. They come from a hash of the id, not its digits, because
/// ids from one metadata store share their high half (see StoreIdentity in the RocksDB store) and count up in the
/// low half. The layout is the on-disk format: changing the hash orphans every existing file.
/// </summary>
internal sealed class ContentPaths(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string FileOf(ContentId content)
    {
        var (first, second) = FanOut(content);
        return Path.Join(Root, first, second, content.ToString());
    }

    public string DirectoryOf(ContentId content)
    {
        var (first, second) = FanOut(content);
        return Path.Join(Root, first, second);
    }

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

    private static (string First, string Second) FanOut(ContentId content)
    {
        // SplitMix64's finalizer over both halves: every bit of the id moves the directory.
        ulong value = (ulong)content.Value ^ ((ulong)(content.Value >> 64) * 0x9E3779B97F4A7C15);
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EB;
        value ^= value >> 31;
        return (((byte)(value >> 56)).ToString("x2"), ((byte)(value >> 48)).ToString("x2"));
    }
}
