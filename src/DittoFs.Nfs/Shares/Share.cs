using System.Text;
using DittoFs.Protocol;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>
/// One exported tree: its export path (what MNT asks for, e.g. "/export"), the stores holding its metadata and
/// bytes, its export options and its root directory. What MOUNT sends about a share (root handle, flavours,
/// EXPORT entry) is encoded once here, so those replies allocate nothing.
/// </summary>
public sealed class Share
{
    /// <summary>Mode of a share root created by <see cref="CreateAsync"/>: rwxr-xr-x.</summary>
    public const uint DefaultRootMode = 0x1ED; // 0755

    public Share(string exportPath, IMetadataStore metadata, IContentStore content, ExportOptions options, FileRef root)
    {
        ValidateExportPath(exportPath);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        if (root.FileId == 0)
        {
            throw new ArgumentException("A share root needs a file id (stores never hand out 0).", nameof(root));
        }
        ExportPath = exportPath;
        Id = ShareId.FromExportPath(exportPath);
        Metadata = metadata;
        Content = content;
        Options = options;
        Root = root;
        RootHandle = new FileHandle(Id, root).ToArray();
        MountAuthFlavors = options.AllowedAuthFlavors.Select(flavor => (int)flavor).ToArray();
        ExportPathBytes = Encoding.UTF8.GetBytes(exportPath);
        ExportGroups = options.AllowedClients.Select(network => new Groupnode { GrName = Encoding.UTF8.GetBytes(network.ToString()) }).ToArray();
    }

    /// <summary>
    /// A share whose root is the metadata store's root for <paramref name="exportPath"/>, created on first use
    /// (owner root, <paramref name="rootMode"/>) and found again on later starts of a persistent store.
    /// </summary>
    public static async ValueTask<Share> CreateAsync(string exportPath, IMetadataStore metadata, IContentStore content, ExportOptions? options = null,
        uint rootMode = DefaultRootMode, uint rootUid = 0, uint rootGid = 0, CancellationToken cancellationToken = default)
    {
        ValidateExportPath(exportPath);
        ArgumentNullException.ThrowIfNull(metadata);
        var root = await metadata.GetOrCreateRootAsync(exportPath, rootUid, rootGid, rootMode, cancellationToken).ConfigureAwait(false);
        if (!root.IsOk)
        {
            throw new InvalidOperationException($"The metadata store could not give share {exportPath} a root: {root.Status}.");
        }
        return new Share(exportPath, metadata, content, options ?? new ExportOptions(), root.Value);
    }

    /// <summary>Stable id carried by every handle of the share; also its fsid (RFC 1813 §2.5 fattr3).</summary>
    public uint Id { get; }

    /// <summary>The path clients mount, e.g. "/export".</summary>
    public string ExportPath { get; }

    public IMetadataStore Metadata { get; }
    public IContentStore Content { get; }
    public ExportOptions Options { get; }
    public FileRef Root { get; }

    /// <summary>The encoded handle of the root directory, as MNT returns it.</summary>
    public ReadOnlyMemory<byte> RootHandle { get; }

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
