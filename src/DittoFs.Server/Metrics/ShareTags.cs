using System.Collections.Frozen;
using DittoFs.Nfs;

namespace DittoFs.Server.Metrics;

/// <summary>The "share" label of each exported share (its export path), found by the share id a file handle carries.</summary>
internal sealed class ShareTags(ShareTable shares)
{
    /// <summary>Calls whose handle names no exported share (a foreign, malformed or outdated handle).</summary>
    public static readonly KeyValuePair<string, object?> None = new("share", "none");

    private readonly FrozenDictionary<uint, KeyValuePair<string, object?>> _byId =
        shares.All.ToFrozenDictionary(share => share.Id, share => new KeyValuePair<string, object?>("share", share.ExportPath));

    /// <summary>The share of the file handle an NFSv3 call's arguments start with.</summary>
    public KeyValuePair<string, object?> Of(ReadOnlySpan<byte> arguments) =>
        NfsWire.TryReadShareId(arguments, out uint id) && _byId.TryGetValue(id, out var tag) ? tag : None;
}
