using System.Text;
using DittoFs.Protocol;
using DittoFs.Storage;
using DittoFs.Vfs;
using DittoFs.Xdr;

namespace DittoFs.Nfs;

/// <summary>
/// One exported tree: its export path (what MNT asks for, e.g. "/export"), its file system (the one every call on
/// the share goes to), its export options and its root directory. What MOUNT sends about a share (root handle, flavours,
/// EXPORT entry) is encoded once here, so those replies allocate nothing.
/// </summary>
public sealed class Share
{
    /// <param name="fileSystem">The share's file system, normally opened under <paramref name="exportPath"/> (<see cref="VirtualFileSystem.OpenAsync"/>).</param>
    public Share(string exportPath, VirtualFileSystem fileSystem, ExportOptions? options = null)
    {
        ValidateExportPath(exportPath);
        ArgumentNullException.ThrowIfNull(fileSystem);
        options ??= new ExportOptions();
        ExportPath = exportPath;
        Id = ShareId.FromExportPath(exportPath);
        FileSystem = fileSystem;
        Options = options;
        Root = fileSystem.Root;
        RootHandle = new FileHandle(Id, Root).ToOpaque();
        MountAuthFlavors = options.AllowedAuthFlavors.Select(flavor => (int)flavor).ToArray();
        ExportPathBytes = Encoding.UTF8.GetBytes(exportPath);
        ExportGroups = options.AllowedClients.Select(network => new Groupnode { GrName = Encoding.UTF8.GetBytes(network.ToString()) }).ToArray();
    }

    /// <summary>Stable id carried by every handle of the share; also its fsid (RFC 1813 §2.5 fattr3).</summary>
    public uint Id { get; }

    /// <summary>The path clients mount, e.g. "/export".</summary>
    public string ExportPath { get; }

    /// <summary>Where every call on the share goes.</summary>
    public VirtualFileSystem FileSystem { get; }

    public ExportOptions Options { get; }
    public FileRef Root { get; }

    /// <summary>The encoded handle of the root directory, as MNT returns it.</summary>
    public InlineOpaque<InlineBytes64> RootHandle { get; }

    /// <summary>auth_flavors of MNT's reply (RFC 1813 §5.2.1), in order of preference.</summary>
    internal int[] MountAuthFlavors { get; }

    internal byte[] ExportPathBytes { get; }

    /// <summary>ex_groups of EXPORT's entry (RFC 1813 §5.2.5): the allowed networks; none means everyone.</summary>
    internal Groupnode[] ExportGroups { get; }

    /// <summary>An absolute path of at most MNTPATHLEN bytes, with no empty, "." or ".." components and no trailing '/'.</summary>
    private static void ValidateExportPath(string exportPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(exportPath);
        if (exportPath[0] != '/' || Encoding.UTF8.GetByteCount(exportPath) > Mount3Constants.Mntpathlen)
        {
            throw new ArgumentException($"An export path is absolute and at most {Mount3Constants.Mntpathlen} bytes: '{exportPath}'.", nameof(exportPath));
        }
        if (exportPath == "/")
        {
            return;
        }
        foreach (var component in exportPath[1..].Split('/'))
        {
            if (component is "" or "." or ".." || component.Contains('\0'))
            {
                throw new ArgumentException($"An export path has no empty, '.' or '..' components and no trailing '/': '{exportPath}'.", nameof(exportPath));
            }
        }
    }

    public override string ToString() => $"{ExportPath} (share {Id:x8})";
}
