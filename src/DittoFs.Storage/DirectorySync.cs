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

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
