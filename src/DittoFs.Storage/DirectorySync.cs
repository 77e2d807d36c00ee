using System.Runtime.InteropServices;

namespace DittoFs.Storage;

/// <summary>
/// fsync of a directory, which makes the names in it durable (a new file's entry, a new subdirectory's). .NET
/// refuses to open directories as files, so this goes to libc. POSIX only: the server runs on Linux.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int DirectoryOnly = 0x10000; // O_DIRECTORY on Linux
    private const int CloseOnExec = 0x80000;   // O_CLOEXEC on Linux

    /// <summary>Syncs <paramref name="path"/>; returns 0 or the errno of the failure.</summary>
    public static int Flush(string path)
    {
        int descriptor = Open(path, ReadOnly | DirectoryOnly | CloseOnExec);
        if (descriptor < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        try
        {
            return Fsync(descriptor) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            Close(descriptor);
        }
    }

    /// <summary>
    /// Replaces <paramref name="name"/> in <paramref name="directory"/> (made if missing) with <paramref name="content"/>:
    /// written to a temporary name, fsynced, renamed over the old file, and the directory fsynced, so a crash leaves
    /// either the old or the new file, never half of one. The new content is durable when this returns.
    /// </summary>
    /// <exception cref="IOException">Writing or syncing failed (disk full, directory gone).</exception>
    public static void ReplaceFile(string directory, string name, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(directory);
        string target = Path.Combine(directory, name);
        string temporary = target + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
        if (OperatingSystem.IsLinux() && Flush(directory) is var errno and not 0)
        {
            throw new IOException($"Syncing {directory} failed (errno {errno})");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
