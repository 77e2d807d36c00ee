using System.Collections.Frozen;
using DittoFs.Protocol;

namespace DittoFs.Nfs;

/// <summary>
/// The shares a server exports, found by id (from a file handle, on every NFS call) or by export path (MNT).
/// Fixed at construction: the EXPORT reply is built once.
/// </summary>
public sealed class ShareTable
{
    private readonly FrozenDictionary<uint, Share> _byId;
    private readonly FrozenDictionary<string, Share> _byExportPath;

    public ShareTable(IEnumerable<Share> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var byId = new Dictionary<uint, Share>();
        var byPath = new Dictionary<string, Share>(StringComparer.Ordinal);
        foreach (var share in shares)
        {
            if (!byPath.TryAdd(share.ExportPath, share))
            {
                throw new ArgumentException($"Export path {share.ExportPath} is configured twice.", nameof(shares));
            }
            if (!byId.TryAdd(share.Id, share))
            {
                // Handles carry only the id: two shares with one id would serve each other's files.
                throw new ArgumentException(
                    $"Export paths {byId[share.Id].ExportPath} and {share.ExportPath} have the same share id {share.Id:x8}; rename one.", nameof(shares));
            }
        }
        _byId = byId.ToFrozenDictionary();
        _byExportPath = byPath.ToFrozenDictionary(StringComparer.Ordinal);
        All = byPath.Values.OrderBy(share => share.ExportPath, StringComparer.Ordinal).ToArray();
        Exports = All.Select(share => new Exportnode { ExDir = share.ExportPathBytes, ExGroups = share.ExportGroups }).ToArray();
    }

    public ShareTable(params Share[] shares) : this((IEnumerable<Share>)shares)
    {
    }

    /// <summary>Every share, by export path.</summary>
    public IReadOnlyList<Share> All { get; }

    /// <summary>The EXPORT reply (RFC 1813 §5.2.5), built once.</summary>
    internal Exportnode[] Exports { get; }

    public bool TryGet(uint shareId, out Share share) => _byId.TryGetValue(shareId, out share!);

    /// <summary>The share exported as <paramref name="exportPath"/>; a trailing '/' is ignored ("/export/" is "/export").</summary>
    public bool TryGetByExportPath(string exportPath, out Share share)
    {
        if (exportPath.Length > 1 && exportPath.EndsWith('/'))
        {
            exportPath = exportPath.TrimEnd('/');
            if (exportPath.Length == 0)
            {
                exportPath = "/";
            }
        }
        return _byExportPath.TryGetValue(exportPath, out share!);
    }

    /// <summary>
    /// The share exporting <paramref name="path"/> or a directory above it (the longest export path that is a
    /// whole-component prefix), and the rest of the path below the export ("" for the export itself).
    /// </summary>
    public bool TryGetContaining(string path, out Share share, out string below)
    {
        string candidate = path.Length > 1 ? path.TrimEnd('/') : path;
        while (candidate.Length > 0)
        {
            if (TryGetByExportPath(candidate, out share))
            {
                below = path.Length > candidate.Length ? path[candidate.Length..].Trim('/') : "";
                return true;
            }
            int slash = candidate.LastIndexOf('/');
            candidate = slash switch
            {
                < 0 => "",
                0 when candidate.Length > 1 => "/",
                0 => "",
                _ => candidate[..slash],
            };
        }
        share = null!;
        below = "";
        return false;
    }
}
