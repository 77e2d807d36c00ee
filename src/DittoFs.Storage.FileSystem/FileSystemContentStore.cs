using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace DittoFs.Storage.FileSystem;

/// <summary>
/// A content store in a local directory: one file per content id (named by the id, never by a client's name; see
/// <see cref="ContentPaths"/>), read and written in place at the requested offsets. Holes stay holes: the file
/// system allocates only what was written, so a write at 5 GiB costs one block. Reads go straight into the
/// caller's buffer. Open handles are cached (<see cref="FileHandleCache"/>). Deleted content's files are emptied and
/// kept as <see cref="SpareFiles"/> for new content, when no handle is open on them.
/// <para>
/// Durability: writes go to the page cache; <see cref="FlushAsync"/> fsyncs the file and, the first time after
/// the file was created, the directory that names it (and the directories made for it, into their parents).
/// Deletions are not synced: after a system crash a deleted file may come back, unreachable.
/// </para>
/// Failures are statuses, never exceptions: ENOSPC is NoSpc, EDQUOT DQuot, EFBIG FBig, anything else Io.
/// Dispose only when no call is running.
/// </summary>
public sealed class FileSystemContentStore : IContentStore, IContentInventory, IDisposable
{
    private const FileShare Sharing = FileShare.ReadWrite | FileShare.Delete;

    private readonly ContentPaths _paths;
    private readonly FileHandleCache _handles;
    // Files created since their directory was last synced: the first flush of each syncs the directory too.
    private readonly ConcurrentDictionary<ContentId, byte> _unsyncedNames = new();
    // Directories made since their parent was last synced (see CreateDirectoryOf).
    private readonly ConcurrentDictionary<string, byte> _unsyncedDirectories = new();
    private readonly SpareFiles _spares;
    // Opening a file that is not cached and deleting one take the lock of their content id's stripe, so a delete
    // knows whether a handle is open (FileHandleCache.Forget) and no open can start on a file being retired.
    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    /// <param name="rootDirectory">The directory the store owns; created if missing.</param>
    /// <param name="maxOpenFiles">How many file handles stay open between calls.</param>
    /// <param name="maxSpareFiles">How many emptied files of deleted content are kept for new content.</param>
    public FileSystemContentStore(string rootDirectory, int maxOpenFiles = 256, int maxSpareFiles = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenFiles, 1);
        _paths = new ContentPaths(rootDirectory);
        Directory.CreateDirectory(_paths.Root);
        ContentLayout.MoveHashedFanOut(_paths);
        _handles = new FileHandleCache(maxOpenFiles);
        _spares = new SpareFiles(_paths.SpareDirectory, maxSpareFiles);
    }

    /// <summary>Emptied files kept for new content now (for tests).</summary>
    internal int SpareFileCount => _spares.Count;

    public ValueTask<StoreResult<int>> ReadAsync(ContentId content, ulong offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (offset >= PosixRules.MaxFileSize || destination.IsEmpty)
        {
            return new(0);
        }
        // No file reaches past the largest file size: reading up to it keeps every offset a valid long.
        destination = destination[..(int)Math.Min((ulong)destination.Length, PosixRules.MaxFileSize - offset)];
        try
        {
            if (!TryOpen(content, create: false, out var lease))
            {
                return new(0); // never written
            }
            using (lease)
            {
                var remaining = destination.Span;
                int total = 0;
                while (!remaining.IsEmpty)
                {
                    // RandomAccess.Read may return less than asked before the end; only 0 means the end.
                    int read = RandomAccess.Read(lease.Handle, remaining, (long)offset + total);
                    if (read == 0)
                    {
                        break;
                    }
                    total += read;
                    remaining = remaining[read..];
                }
                return new(total);
            }
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    public ValueTask<StoreStatus> WriteAsync(ContentId content, ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty)
        {
            return new(StoreStatus.Ok);
        }
        if (PosixRules.CheckWriteRange(offset, (ulong)data.Length) is var range and not StoreStatus.Ok)
        {
            return new(range);
        }
        try
        {
            TryOpen(content, create: true, out var lease);
            using (lease)
            {
                RandomAccess.Write(lease.Handle, data.Span, (long)offset);
            }
            return new(StoreStatus.Ok);
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    public ValueTask<StoreStatus> TruncateAsync(ContentId content, ulong size, CancellationToken cancellationToken = default)
    {
        if (size > PosixRules.MaxFileSize)
        {
            return new(StoreStatus.FBig);
        }
        try
        {
            // Content never written already reads as empty: no file is needed for a length of 0.
            if (TryOpen(content, create: size > 0, out var lease))
            {
                using (lease)
                {
                    RandomAccess.SetLength(lease.Handle, (long)size);
                }
            }
            return new(StoreStatus.Ok);
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    /// <summary>
    /// Deletes the file, or empties it into the spares when no handle is open on it: a write still running through
    /// an open handle would otherwise land in some later content's file.
    /// </summary>
    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        try
        {
            lock (StripeOf(content))
            {
                bool unused = _handles.Forget(content);
                _unsyncedNames.TryRemove(content, out _);
                // Content never written has no file, and maybe no directory either, where File.Delete throws
                // DirectoryNotFoundException: checking first keeps the REMOVE of an empty file free of exceptions
                // (thousands a second under load). A missing file is not an error.
                string path = _paths.FileOf(content);
                if (File.Exists(path) && !(unused && _spares.TryRetire(path)))
                {
                    File.Delete(path);
                }
            }
            return new(StoreStatus.Ok);
        }
        catch (DirectoryNotFoundException)
        {
            return new(StoreStatus.Ok);
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    /// <summary>
    /// fsync of the file and, the first time after it was created, of the directory that names it, and of the
    /// directories above it that were made for it and are not synced yet. A name is marked synced only once its
    /// directory's fsync returned, so a concurrent flush of a file in the same new directory syncs it too rather than
    /// answering before it is durable.
    /// </summary>
    public ValueTask<StoreStatus> FlushAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!TryOpen(content, create: false, out var lease))
            {
                return new(StoreStatus.Ok); // never written: nothing to make durable
            }
            using (lease)
            {
                RandomAccess.FlushToDisk(lease.Handle);
            }
            if (_unsyncedNames.ContainsKey(content))
            {
                string directory = _paths.DirectoryOf(content);
                int errno = SyncNewDirectories(directory);
                if (errno == 0)
                {
                    errno = DirectorySync.Flush(directory);
                }
                if (errno != 0)
                {
                    return new(IoErrors.StatusOfErrno(errno));
                }
                _unsyncedNames.TryRemove(content, out _);
            }
            return new(StoreStatus.Ok);
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    public ValueTask<StoreResult<SpaceStats>> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var drive = new DriveInfo(_paths.Root);
            ulong total = (ulong)drive.TotalSize;
            ulong free = Math.Min((ulong)drive.TotalFreeSpace, total);
            ulong available = Math.Min((ulong)drive.AvailableFreeSpace, free);
            return new(new SpaceStats(total, free, available));
        }
        catch (Exception exception) when (IoErrors.TryStatusOf(exception, out var status))
        {
            return new(status);
        }
    }

    /// <summary>Walks ROOT/&lt;store&gt;/&lt;group&gt;/; files whose name is not a content id in its place (not the store's) are skipped.</summary>
    public async IAsyncEnumerable<StoredContent> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var file in new DirectoryInfo(_paths.Root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ContentPaths.TryParse(file.Name, out var content) && _paths.FileOf(content) == file.FullName)
            {
                yield return new StoredContent(content, (ulong)file.Length);
            }
        }
    }

    public void Dispose() => _handles.Dispose();

    /// <summary>A lease on the content's open file; false when it has no file and <paramref name="create"/> is false.</summary>
    internal bool TryOpen(ContentId content, bool create, out FileHandleCache.Lease lease)
    {
        if (_handles.TryRent(content, out lease))
        {
            return true;
        }
        lock (StripeOf(content))
        {
            if (_handles.TryRent(content, out lease))
            {
                return true; // opened by another caller meanwhile
            }
            string path = _paths.FileOf(content);
            SafeFileHandle? handle = null;
            // A stat first: opening a missing file throws, and content is missing at every file's first write and at
            // every read or flush of a file never written (thousands of exceptions a second under load otherwise).
            if (File.Exists(path))
            {
                try
                {
                    handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, Sharing);
                }
                catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
                {
                    // Deleted since the stat, by something other than this store.
                }
            }
            if (handle is null)
            {
                if (!create)
                {
                    return false;
                }
                CreateDirectoryOf(content);
                _unsyncedNames.TryAdd(content, 0); // before the name exists: a flush finding the file syncs its directory
                // A spare is empty; OpenOrCreate also opens whatever the spare could not be renamed over.
                var mode = _spares.TryTakeAs(path) ? FileMode.Open : FileMode.OpenOrCreate;
                handle = File.OpenHandle(path, mode, FileAccess.ReadWrite, Sharing);
            }
            lease = _handles.AddAndRent(content, handle);
            return true;
        }
    }

    private Lock StripeOf(ContentId content) => _stripes[(int)((ulong)content.Value % (ulong)_stripes.Length)];

    /// <summary>
    /// Makes the directories of a content id. Like a new file's name, a new directory's name is made durable
    /// by the first flush that needs it (<see cref="SyncNewDirectories"/>), not here: writes stay unsynced until a
    /// COMMIT, and creations never wait for one another's fsyncs. Each is marked unsynced before it exists, so a
    /// caller that finds it made by another caller finds the mark too.
    /// </summary>
    private void CreateDirectoryOf(ContentId content)
    {
        string directory = _paths.DirectoryOf(content);
        if (Directory.Exists(directory))
        {
            return;
        }
        string parent = Path.GetDirectoryName(directory)!;
        if (!Directory.Exists(parent))
        {
            _unsyncedDirectories.TryAdd(parent, 0);
        }
        _unsyncedDirectories.TryAdd(directory, 0);
        Directory.CreateDirectory(directory);
    }

    /// <summary>
    /// Syncs the names of the unsynced directories on the way to <paramref name="directory"/> into their
    /// parents, top down; 0 or the errno of the first failure.
    /// </summary>
    private int SyncNewDirectories(string directory)
    {
        string parent = Path.GetDirectoryName(directory)!;
        int errno = SyncNameOf(parent, _paths.Root);
        return errno != 0 ? errno : SyncNameOf(directory, parent);
    }

    private int SyncNameOf(string directory, string container)
    {
        if (!_unsyncedDirectories.ContainsKey(directory))
        {
            return 0;
        }
        int errno = DirectorySync.Flush(container);
        if (errno == 0)
        {
            _unsyncedDirectories.TryRemove(directory, out _);
        }
        return errno;
    }
}
