using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace DittoFs.Storage.FileSystem;

/// <summary>
/// Emptied files of deleted content, kept in ROOT/spare/ to become the files of new content: a rename instead of
/// an unlink and a create. Creating a file allocates an inode, and ext4 without a journal skips, one by one, every
/// inode of the group freed in the last minute or more (its recently_deleted check) while holding the directory's
/// lock; with thousands of files removed, a create took 0.6 ms against 0.05 ms for a rename of a spare.
/// <para>
/// A spare is truncated to 0 before it is renamed into the pool, so new content starts empty. Spares are not
/// content (their names are no content ids) and do not outlive the store: they are deleted when it opens, which
/// also settles a spare that a crash left with a second name. The caller makes sure nothing can write to a file
/// after it is retired (<see cref="FileSystemContentStore"/> retires only files no handle is open on).
/// </para>
/// </summary>
internal sealed partial class SpareFiles
{
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const uint NoReplace = 1;            // RENAME_NOREPLACE
    private const int NoSuchFile = 2;            // ENOENT
    private const int FileExists = 17;           // EEXIST

    private readonly string _directory;
    private readonly int _capacity;
    private readonly ConcurrentStack<string> _spares = new();
    private int _count; // spares in the pool or being retired into it
    private long _lastName;
    private volatile bool _unsupported;

    /// <summary>Makes (or empties) <paramref name="directory"/>; at most <paramref name="capacity"/> spares are kept.</summary>
    public SpareFiles(string directory, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _directory = directory;
        _capacity = capacity;
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            File.Delete(file);
        }
    }

    /// <summary>Spares in the pool now.</summary>
    public int Count => _spares.Count;

    /// <summary>
    /// Empties the file at <paramref name="path"/> and moves it into the pool; false when the pool is full or a
    /// step failed, and the caller deletes the file as usual.
    /// </summary>
    public bool TryRetire(string path)
    {
        if (_unsupported || Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        string spare = Path.Join(_directory, Interlocked.Increment(ref _lastName).ToString("x16"));
        if (Truncate(path, 0) != 0 || Rename(path, spare) != 0)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        _spares.Push(spare);
        return true;
    }

    /// <summary>
    /// Renames a spare to <paramref name="path"/>, never over a file there; false when there is no spare or the
    /// rename failed, and the caller creates the file as usual.
    /// </summary>
    public bool TryTakeAs(string path)
    {
        if (_unsupported || !_spares.TryPop(out var spare))
        {
            return false;
        }
        if (RenameNoReplace(spare, path) == 0)
        {
            Interlocked.Decrement(ref _count);
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == FileExists)
        {
            _spares.Push(spare); // still a good spare; the caller opens the file that is there
            return false;
        }
        if (errno != NoSuchFile)
        {
            // No RENAME_NOREPLACE on this file system (EINVAL), or worse: stop using the pool rather than fail again.
            // What is left in it goes when the store next opens.
            _unsupported = true;
        }
        Interlocked.Decrement(ref _count);
        return false;
    }

    private static int RenameNoReplace(string from, string to) => RenameAt2(AtCurrentDirectory, from, AtCurrentDirectory, to, NoReplace);

    [LibraryImport("libc", EntryPoint = "truncate", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Truncate(string path, long length);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string from, string to);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int fromDirectory, string from, int toDirectory, string to, uint flags);
}
