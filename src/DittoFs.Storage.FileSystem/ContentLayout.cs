namespace DittoFs.Storage.FileSystem;

/// <summary>
/// Brings a content directory written by an older build into the current layout (<see cref="ContentPaths"/>) when
/// the store opens. The first layout hashed each id into ROOT/xx/yy/ (two hex digits per level); its files are
/// renamed into their current places, which are made durable before the emptied old directories go. A crash part of
/// the way leaves every file in its old place or its new one (a rename is atomic), and the next open moves the rest;
/// the metadata store never knew where a file lay, so nothing else changes.
/// </summary>
internal static class ContentLayout
{
    /// <summary>Moves the files of the hashed layout; returns how many moved. Files that are not content stay where they are.</summary>
    public static int MoveHashedFanOut(ContentPaths paths)
    {
        var oldDirectories = new List<string>();
        var newDirectories = new HashSet<string>();
        int moved = 0;
        foreach (var first in EnumerateTwoHexDigitDirectories(paths.Root))
        {
            foreach (var second in EnumerateTwoHexDigitDirectories(first))
            {
                foreach (var file in Directory.EnumerateFiles(second))
                {
                    if (!ContentPaths.TryParse(Path.GetFileName(file), out var content))
                    {
                        continue;
                    }
                    string directory = paths.DirectoryOf(content);
                    if (newDirectories.Add(directory))
                    {
                        newDirectories.Add(paths.StoreDirectoryOf(content));
                        Directory.CreateDirectory(directory);
                    }
                    // Never over a file already in the new place: that would be a store written by two builds at once.
                    File.Move(file, paths.FileOf(content), overwrite: false);
                    moved++;
                }
                oldDirectories.Add(second);
            }
            oldDirectories.Add(first);
        }
        if (oldDirectories.Count == 0)
        {
            return 0;
        }
        // New names first (deepest directories, then their parents, then the root), and only then the old ones go.
        foreach (var directory in newDirectories.OrderByDescending(d => d.Length))
        {
            Sync(directory);
        }
        Sync(paths.Root);
        foreach (var directory in oldDirectories)
        {
            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        Sync(paths.Root);
        return moved;
    }

    private static IEnumerable<string> EnumerateTwoHexDigitDirectories(string parent) =>
        Directory.EnumerateDirectories(parent).Where(d => Path.GetFileName(d) is { Length: 2 } name && name.All(char.IsAsciiHexDigitLower));

    private static void Sync(string directory)
    {
        if (DirectorySync.Flush(directory) is var errno and not 0)
        {
            throw new IOException($"fsync of content directory {directory} failed (errno {errno})");
        }
    }
}
