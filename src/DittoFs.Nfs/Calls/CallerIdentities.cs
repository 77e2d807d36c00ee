using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using DittoFs.Rpc;
using DittoFs.Storage;

namespace DittoFs.Nfs;

/// <summary>
/// Turns an RPC credential into the <see cref="AuthContext"/> the stores check permissions for, after the share's
/// squashing (Linux nfsd_setuser): AUTH_NONE and all_squash callers are the anonymous uid/gid with no groups;
/// root_squash maps uid 0 to the anonymous uid and gid 0, primary or supplementary, to the anonymous gid.
/// Contexts are immutable and cached by the resulting identity, so a client repeating its credential (every
/// client does) costs a dictionary lookup and no allocation.
/// </summary>
internal sealed class CallerIdentities
{
    /// <summary>AUTH_SYS carries at most 16 supplementary groups (RFC 5531 appendix A).</summary>
    private const int MaxGroups = 16;

    /// <summary>A bound on cached identities; when reached the cache starts again (identities are cheap to rebuild).</summary>
    private const int MaxCached = 4096;

    private readonly ConcurrentDictionary<Key, AuthContext> _cache = new();

    public AuthContext For(RpcCallContext call, ExportOptions options)
    {
        var flavor = FlavorOf(call);
        uint uid;
        uint gid;
        Span<uint> groups = stackalloc uint[MaxGroups];
        int groupCount = 0;
        if (flavor == AuthFlavor.None || options.AllSquash)
        {
            uid = options.AnonymousUid;
            gid = options.AnonymousGid;
        }
        else
        {
            uid = call.Uid;
            gid = call.Gid;
            var supplementary = call.SupplementaryGroups;
            groupCount = Math.Min(supplementary.Length, MaxGroups);
            supplementary[..groupCount].CopyTo(groups);
            if (options.RootSquash)
            {
                uid = uid == 0 ? options.AnonymousUid : uid;
                gid = gid == 0 ? options.AnonymousGid : gid;
                groups[..groupCount].Replace(0u, options.AnonymousGid);
            }
        }
        groups = groups[..groupCount];

        var address = call.Client?.Address ?? IPAddress.IPv6None;
        var key = new Key(address, flavor, uid, gid, Fingerprint(groups), groupCount);
        if (_cache.TryGetValue(key, out var cached) && cached.SupplementaryGids.Span.SequenceEqual(groups))
        {
            return cached;
        }
        var context = new AuthContext(ClientAddress.Normalize(address), flavor, uid, gid, groups);
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }
        _cache[key] = context;
        return context;
    }

    /// <summary>The credential flavour as the stores and export options name it; the RPC layer admits only these two.</summary>
    public static AuthFlavor FlavorOf(RpcCallContext call) => call.AuthFlavor == (uint)AuthFlavor.Sys ? AuthFlavor.Sys : AuthFlavor.None;

    private static int Fingerprint(ReadOnlySpan<uint> groups)
    {
        var hash = new HashCode();
        hash.AddBytes(MemoryMarshal.AsBytes(groups));
        return hash.ToHashCode();
    }

    /// <summary>The identity a context is cached by; groups by fingerprint, confirmed against the cached context.</summary>
    private readonly record struct Key(IPAddress Address, AuthFlavor Flavor, uint Uid, uint Gid, int GroupsFingerprint, int GroupCount);
}
