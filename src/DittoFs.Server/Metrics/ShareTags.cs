using System.Collections.Frozen;
using DittoFs.Nfs;

namespace DittoFs.Server.Metrics;

/// <summary>The "share" label of each exported share (its export path), built once so that finding it allocates nothing.</summary>
internal sealed class ShareTags(ShareTable shares)
{
    /// <summary>Calls whose handle names no exported share (a foreign, malformed or outdated handle).</summary>
    public static readonly KeyValuePair<string, object?> None = new("share", "none");

    private readonly FrozenDictionary<uint, KeyValuePair<string, object?>> _byId =
        shares.All.ToFrozenDictionary(share => share.Id, share => new KeyValuePair<string, object?>("share", share.ExportPath));

    /// <summary>The label of <paramref name="share"/> (<see cref="NfsService.ShareOf"/> of a call); <see cref="None"/> for none.</summary>
    public KeyValuePair<string, object?> Of(Share? share) =>
        share is not null && _byId.TryGetValue(share.Id, out var tag) ? tag : None;
}
