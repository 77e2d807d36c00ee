using System.Diagnostics;

namespace DittoFs.Storage.TestSupport;

/// <summary>
/// A tmpfs of a few MiB mounted on a fresh directory, to fill up for real: ENOSPC comes from the kernel, not a
/// fake. Needs the right to mount (root with CAP_SYS_ADMIN, as on the project's machines and CI); where that is
/// missing, <see cref="TryMount"/> says why and the test is ignored. Also compiled into the RocksDB tests.
/// </summary>
internal sealed class SmallFileSystem : IDisposable
{
    private SmallFileSystem(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static SmallFileSystem? TryMount(long bytes, out string whyNot)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dittofs-tests", $"small-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path);
        if (exitCode == 0)
        {
            whyNot = "";
            return new SmallFileSystem(path);
        }
        Directory.Delete(path);
        whyNot = $"mount -t tmpfs failed ({exitCode}): {output.Trim()}";
        return null;
    }

    public void Dispose()
    {
        Run("umount", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (-1, exception.Message); // no such program
        }
    }
}
