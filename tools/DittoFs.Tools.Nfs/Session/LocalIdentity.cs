using System.Runtime.InteropServices;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>This process's uid and gid: the AUTH_SYS identity sent when the URL names none (as libnfs does).</summary>
internal static partial class LocalIdentity
{
    public static uint Uid => OperatingSystem.IsWindows() ? 65534 : getuid();
    public static uint Gid => OperatingSystem.IsWindows() ? 65534 : getgid();

    [LibraryImport("libc")]
    private static partial uint getuid();

    [LibraryImport("libc")]
    private static partial uint getgid();
}
