using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DittoFs.Storage.S3.Remote;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace DittoFs.Storage.S3.Caching;

/// <summary>
/// Whole blocks as files in a local directory, least recently used deleted first once the files pass <c>capacity</c>
/// bytes. A file is named by a hash of its cache key and holds a header (the key, the object's ETag and size) and the
/// object's bytes; it is written aside and renamed into place, so a crash leaves whole files or none. Opening lists
/// the directory and reads no file (files are ordered by modification time, which a hit refreshes), so the start
/// costs one directory listing however much is cached; a file's header is read on its first use.
/// One store uses a directory at a time: a lock file held while open refuses a second.
/// </summary>
internal sealed class DiskTier : IDisposable
{
    private const string BlockSuffix = ".block";
    private const string PartialSuffix = ".partial";
    private const string LockName = "dittofs-cache.lock";
    private static ReadOnlySpan<byte> Magic => "DFSBLK01"u8;
    private const int FixedHeaderBytes = 8 + 4 + 4 + 8 + 4; // magic, key bytes, etag bytes, object length, data bytes
    private const int MaxHeaderBytes = 4096;

    private readonly string _directory;
    private readonly long _capacity;
    private readonly CacheStatistics _statistics;
    private readonly ILogger _logger;
    private readonly FileStream _lock;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal); // by file name
    private readonly LinkedList<Entry> _recency = new(); // most recent first
    private long _bytes;

    private DiskTier(string directory, long capacity, CacheStatistics statistics, ILogger logger, FileStream lockFile)
    {
        _directory = directory;
        _capacity = capacity;
        _statistics = statistics;
        _logger = logger;
        _lock = lockFile;
    }

    /// <summary>
    /// Takes the directory (created if missing) and indexes the block files in it, oldest first out; deletes files a
    /// crash left half written and, when the size was lowered, the oldest files past it. Throws an
    /// <see cref="IOException"/> naming the directory when it cannot be used.
    /// </summary>
    public static DiskTier Open(string directory, long capacity, CacheStatistics statistics, ILogger logger)
    {
        FileStream lockFile;
        try
        {
            directory = Directory.CreateDirectory(directory).FullName;
            lockFile = new FileStream(Path.Combine(directory, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception) when (File.Exists(Path.Combine(directory, LockName)))
        {
            throw new IOException($"S3 cache directory '{directory}' is in use by another store (another dittofs, or another store of this configuration)", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"S3 cache directory '{directory}' cannot be created or written: {exception.Message.TrimEnd('.')}", exception);
        }
        var tier = new DiskTier(directory, capacity, statistics, logger, lockFile);
        tier.Index();
        return tier;
    }

    private void Index()
    {
        var files = new List<FileInfo>();
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles())
        {
            if (file.Name.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                TryDelete(file.FullName);
            }
            else if (file.Name.EndsWith(BlockSuffix, StringComparison.Ordinal))
            {
                files.Add(file);
            }
        }
        lock (_sync)
        {
            foreach (var file in files.OrderByDescending(file => file.LastWriteTimeUtc))
            {
                var entry = new Entry(file.Name, file.Length);
                _entries[file.Name] = _recency.AddLast(entry);
                _bytes += file.Length;
            }
            TrimLocked();
        }
    }

    /// <summary>
    /// The version of the block file for <paramref name="key"/>, and whether it was confirmed in this process (written
    /// here, or checked against S3 since the start); null when there is none or it cannot be read (then it is deleted).
    /// </summary>
    public (ObjectVersion Version, bool Confirmed)? Find(string key)
    {
        string name = FileNameOf(key);
        Entry? entry;
        lock (_sync)
        {
            if (!_entries.TryGetValue(name, out var node))
            {
                return null;
            }
            entry = node.Value;
            if (entry.Header is { } known)
            {
                return (known.Version, entry.Confirmed);
            }
        }
        var header = ReadHeader(entry.FileName, key);
        lock (_sync)
        {
            if (!_entries.TryGetValue(name, out var node) || node.Value != entry)
            {
                return null; // replaced or removed meanwhile
            }
            if (header is null)
            {
                RemoveLocked(name, delete: true);
                return null;
            }
            entry.Header = header;
            return (header.Value.Version, entry.Confirmed);
        }
    }

    /// <summary>Whether a block file for <paramref name="key"/> is indexed (its header not read).</summary>
    public bool Contains(string key)
    {
        lock (_sync)
        {
            return _entries.ContainsKey(FileNameOf(key));
        }
    }

    public void Confirm(string key)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(FileNameOf(key), out var node))
            {
                node.Value.Confirmed = true;
            }
        }
    }

    /// <summary>
    /// Reads the block of <paramref name="key"/> at <paramref name="within"/> into <paramref name="target"/> if its file
    /// still holds <paramref name="version"/>; returns the bytes of the object found there (fewer past its end), or
    /// null when the file is gone, changed or unreadable. Marks it most recently used.
    /// </summary>
    public int? Read(string key, ObjectVersion version, int within, Span<byte> target)
    {
        string name = FileNameOf(key);
        Header header;
        lock (_sync)
        {
            if (!_entries.TryGetValue(name, out var node) || node.Value.Header is not { } known || known.Version != version)
            {
                return null;
            }
            header = known;
            _recency.Remove(node);
            _recency.AddFirst(node);
        }
        int count = Math.Clamp(header.DataLength - within, 0, target.Length);
        try
        {
            string path = Path.Combine(_directory, name);
            using var handle = File.OpenHandle(path);
            int read = ReadFully(handle, target[..count], header.DataOffset + within);
            if (read != count)
            {
                Remove(key);
                return null;
            }
            File.SetLastWriteTimeUtc(handle, DateTime.UtcNow);
            return count;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            S3Log.DiskReadFailed(_logger, name, exception);
            Remove(key);
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="block"/> aside for <paramref name="key"/>; <see cref="Commit"/> puts it in place. Null when
    /// it cannot be written (a full disk): the block is then simply not cached on disk.
    /// </summary>
    public string? Prepare(string key, CachedBlock block)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var etagBytes = Encoding.UTF8.GetBytes(block.Version.ETag);
        if (FixedHeaderBytes + keyBytes.Length + etagBytes.Length > MaxHeaderBytes)
        {
            return null;
        }
        var header = new byte[FixedHeaderBytes + keyBytes.Length + etagBytes.Length];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), keyBytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), etagBytes.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), block.Version.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), block.Length);
        keyBytes.CopyTo(header, FixedHeaderBytes);
        etagBytes.CopyTo(header, FixedHeaderBytes + keyBytes.Length);
        string partial = Path.Combine(_directory, $"{FileNameOf(key)}.{Guid.NewGuid():N}{PartialSuffix}");
        try
        {
            using var handle = File.OpenHandle(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, header.Length + block.Length);
            RandomAccess.Write(handle, header, 0);
            RandomAccess.Write(handle, block.Bytes.AsSpan(0, block.Length), header.Length);
            return partial;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            S3Log.DiskWriteFailed(_logger, _directory, exception);
            TryDelete(partial);
            return null;
        }
    }

    /// <summary>Renames a prepared file into place as the block of <paramref name="key"/>, confirmed, and deletes the oldest files past the size.</summary>
    public void Commit(string key, string prepared, CachedBlock block)
    {
        string name = FileNameOf(key);
        string path = Path.Combine(_directory, name);
        try
        {
            File.Move(prepared, path, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            S3Log.DiskWriteFailed(_logger, _directory, exception);
            TryDelete(prepared);
            Remove(key);
            return;
        }
        long fileBytes = FixedHeaderBytes + Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(block.Version.ETag) + block.Length;
        var entry = new Entry(name, fileBytes)
        {
            Confirmed = true,
            Header = new Header(block.Version, (int)(fileBytes - block.Length), block.Length),
        };
        lock (_sync)
        {
            RemoveLocked(name, delete: false);
            _entries[name] = _recency.AddFirst(entry);
            _bytes += fileBytes;
            TrimLocked();
        }
    }

    public static void Discard(string prepared) => TryDelete(prepared);

    public void Remove(string key)
    {
        lock (_sync)
        {
            RemoveLocked(FileNameOf(key), delete: true);
        }
    }

    public void Dispose() => _lock.Dispose();

    private void TrimLocked()
    {
        while (_bytes > _capacity && _recency.Last is { } oldest)
        {
            RemoveLocked(oldest.Value.FileName, delete: true);
            Interlocked.Increment(ref _statistics.DiskEvictionCount);
        }
        Volatile.Write(ref _statistics.DiskByteCount, _bytes);
    }

    private void RemoveLocked(string name, bool delete)
    {
        if (_entries.Remove(name, out var node))
        {
            _recency.Remove(node);
            _bytes -= node.Value.FileBytes;
            Volatile.Write(ref _statistics.DiskByteCount, _bytes);
            if (delete)
            {
                // Unlinking is safe under a reader: it keeps its open handle to the old file.
                TryDelete(Path.Combine(_directory, name));
            }
        }
    }

    /// <summary>The header of a block file, if it is one and belongs to <paramref name="key"/> (a hash collision or a damaged file is not).</summary>
    private Header? ReadHeader(string name, string key)
    {
        try
        {
            using var handle = File.OpenHandle(Path.Combine(_directory, name));
            long fileLength = RandomAccess.GetLength(handle);
            Span<byte> bytes = stackalloc byte[(int)Math.Min(fileLength, MaxHeaderBytes)];
            if (ReadFully(handle, bytes, 0) != bytes.Length || bytes.Length < FixedHeaderBytes || !bytes.StartsWith(Magic))
            {
                return null;
            }
            int keyBytes = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
            int etagBytes = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
            long objectLength = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
            int dataLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]);
            if (keyBytes < 0 || etagBytes < 0 || dataLength < 0 || FixedHeaderBytes + (long)keyBytes + etagBytes > bytes.Length)
            {
                return null;
            }
            int dataOffset = FixedHeaderBytes + keyBytes + etagBytes;
            if (!bytes.Slice(FixedHeaderBytes, keyBytes).SequenceEqual(Encoding.UTF8.GetBytes(key)) || dataOffset + (long)dataLength != fileLength)
            {
                return null;
            }
            string etag = Encoding.UTF8.GetString(bytes.Slice(FixedHeaderBytes + keyBytes, etagBytes));
            return new Header(new ObjectVersion(etag, objectLength), dataOffset, dataLength);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            S3Log.DiskReadFailed(_logger, name, exception);
            return null;
        }
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> target, long offset)
    {
        int done = 0;
        while (done < target.Length)
        {
            int read = RandomAccess.Read(handle, target[done..], offset + done);
            if (read == 0)
            {
                break;
            }
            done += read;
        }
        return done;
    }

    private static string FileNameOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) + BlockSuffix;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be deleted is left; it is no longer indexed, so it is never served.
        }
    }

    /// <summary>Where a block file's object bytes start, and how many it holds.</summary>
    private readonly record struct Header(ObjectVersion Version, int DataOffset, int DataLength);

    private sealed class Entry(string fileName, long fileBytes)
    {
        public string FileName { get; } = fileName;
        public long FileBytes { get; } = fileBytes;
        public bool Confirmed { get; set; }
        public Header? Header { get; set; }
    }
}
