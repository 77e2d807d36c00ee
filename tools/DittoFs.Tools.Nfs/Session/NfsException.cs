using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Session;

/// <summary>An NFS procedure answered something other than NFS3_OK for a path: exit code 1, with the status name and the path.</summary>
internal sealed class NfsException(Nfsstat3 status, string procedure, string path)
    : Exception($"{path}: {NfsStatusText.Name(status)}: {NfsStatusText.Meaning(status)} ({procedure})")
{
    public Nfsstat3 Status { get; } = status;
    public string Procedure { get; } = procedure;
    public string Path { get; } = path;

    /// <summary>Throws unless <paramref name="status"/> is NFS3_OK.</summary>
    public static void ThrowIfFailed(Nfsstat3 status, string procedure, string path)
    {
        if (status != Nfsstat3.Nfs3Ok)
            throw new NfsException(status, procedure, path);
    }
}

/// <summary>MOUNT refused an export path (exit code 1).</summary>
internal sealed class MountException(Mountstat3 status, string path)
    : Exception($"{path}: {NfsStatusText.Name(status)}: {NfsStatusText.Meaning(status)} (MNT)")
{
    public Mountstat3 Status { get; } = status;
    public string Path { get; } = path;
}

/// <summary>
/// Something the user asked for that cannot work, found out only after talking to the server (e.g. `mv` across
/// exports, `rm` of the export root): exit code 2, like other usage errors.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The server broke the protocol or the data check failed (exit code 1).</summary>
internal sealed class ProtocolViolationException(string message) : Exception(message);
