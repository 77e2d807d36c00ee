using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace DittoFs.Storage.FileSystem;

/// <summary>
/// A content store in a local directory: one file per content id (named by the id, never by a client's name; see
/// <see cref="ContentPaths"/>), read and written in place at the requested offsets. Holes stay holes: the file
/// system allocates only what was written, so a write at 5 GiB costs one block. Reads go straight into the
/// caller's buffer. Open handles are cached (<see cref="FileHandleCache"/>).
/// <para>
/// Durability: writes go to the page cache; <see cref="FlushAsync"/> fsyncs the file and, the first time after
/// the file was created, the directory that names it (fan-out directories are synced into their parents when
/// they are made). Deletions are not synced: after a system crash a deleted file may come back, unreachable.
/// </para>
/// Failures are statuses, never exceptions: ENOSPC is NoSpc, EDQUOT DQuot, EFBIG FBig, anything else Io.
/// Dispose only when no call is running.
/// </summary>
public sealed class FileSystemContentStore : IContentStore, IDisposable
{
    private const FileShare Sharing = FileShare.ReadWrite | FileShare.Delete;

    private readonly ContentPaths _paths;
    private readonly FileHandleCache _handles;
    // Files created since their directory was last synced: the first flush of each syncs the directory too.
    private readonly ConcurrentDictionary<ContentId, byte> _unsyncedNames = new();
    private readonly Lock _directoryGate = new();

    /// <param name="rootDirectory">The directory the store owns; created if missing.</param>
    /// <param name="maxOpenFiles">How many file handles stay open between calls.</param>
    public FileSystemContentStore(string rootDirectory, int maxOpenFiles = 256)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenFiles, 1);
        _paths = new ContentPaths(rootDirectory);
        Directory.CreateDirectory(_paths.Root);
        _handles = new FileHandleCache(maxOpenFiles);
    }

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

    public ValueTask<StoreStatus> DeleteAsync(ContentId content, CancellationToken cancellationToken = default)
    {
        _handles.Forget(content);
        _unsyncedNames.TryRemove(content, out _);
        try
        {
            File.Delete(_paths.FileOf(content)); // a missing file is not an error
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

    /// <summary>fsync of the file, and the first time after it was created, of the directory that names it.</summary>
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
            if (_unsyncedNames.TryRemove(content, out _) && DirectorySync.Flush(_paths.DirectoryOf(content)) is var errno and not 0)
            {
                _unsyncedNames.TryAdd(content, 0);
                return new(IoErrors.StatusOfErrno(errno));
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

    public void Dispose() => _handles.Dispose();

    /// <summary>A lease on the content's open file; false when it has no file and <paramref name="create"/> is false.</summary>
    private bool TryOpen(ContentId content, bool create, out FileHandleCache.Lease lease)
    {
        if (_handles.TryRent(content, out lease))
        {
            return true;
        }
        string path = _paths.FileOf(content);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, Sharing);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!create)
            {
                return false;
            }
            CreateDirectoryOf(content);
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, Sharing);
            _unsyncedNames.TryAdd(content, 0);
        }
        lease = _handles.AddAndRent(content, handle);
        return true;
    }

    /// <summary>
    /// Makes the fan-out directories of a content id, syncing each new one into its parent at once: they are made
    /// rarely (65,536 at most), and then a file's first flush only needs to sync its own directory.
    /// Under a lock, so that a caller finding a directory another caller just made does not go on before it is synced.
    /// </summary>
    private void CreateDirectoryOf(ContentId content)
    {
        string directory = _paths.DirectoryOf(content);
        lock (_directoryGate)
        {
            if (Directory.Exists(directory))
            {
                return;
            }
            string parent = Path.GetDirectoryName(directory)!;
            bool parentIsNew = !Directory.Exists(parent);
            Directory.CreateDirectory(directory);
            if (parentIsNew)
            {
                SyncDirectory(_paths.Root);
            }
            SyncDirectory(parent);
        }
    }

    private static void SyncDirectory(string path)
    {
        if (DirectorySync.Flush(path) is var errno and not 0)
        {
            throw new IOException($"fsync of directory {path} failed", errno);
        }
    }
}
