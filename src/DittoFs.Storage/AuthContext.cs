using System.Net;

namespace DittoFs.Storage;

/// <summary>
/// Who is calling: the identity every permission check is made for, after the NFS layer has applied the
/// share's squashing. Immutable, so the RPC layer can keep one per connection and reuse it while the
/// client sends the same credential (no allocation per request).
/// </summary>
public sealed class AuthContext
{
    /// <summary>The uid and gid of "nobody", the usual anonymous identity.</summary>
    public const uint NobodyId = 65534;

    private readonly uint[] _supplementaryGids;

    public AuthContext(IPAddress clientAddress, AuthFlavor flavor, uint uid, uint gid, ReadOnlySpan<uint> supplementaryGids)
    {
        ArgumentNullException.ThrowIfNull(clientAddress);
        ClientAddress = clientAddress;
        Flavor = flavor;
        Uid = uid;
        Gid = gid;
        _supplementaryGids = supplementaryGids.ToArray();
    }

    public IPAddress ClientAddress { get; }
    public AuthFlavor Flavor { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public ReadOnlyMemory<uint> SupplementaryGids => _supplementaryGids;

    /// <summary>uid 0: bypasses permission bits, as POSIX "appropriate privileges".</summary>
    public bool IsRoot => Uid == 0;

    /// <summary>True when <paramref name="gid"/> is the caller's primary or a supplementary group.</summary>
    public bool IsMemberOf(uint gid) => Gid == gid || _supplementaryGids.AsSpan().Contains(gid);

    /// <summary>uid 0, gid 0: for server-side work such as creating share roots.</summary>
    public static AuthContext Root(IPAddress? clientAddress = null) =>
        new(clientAddress ?? IPAddress.Loopback, AuthFlavor.Sys, 0, 0, []);

    /// <summary>An AUTH_NONE caller, mapped to the given anonymous identity.</summary>
    public static AuthContext Anonymous(IPAddress clientAddress, uint uid = NobodyId, uint gid = NobodyId) =>
        new(clientAddress, AuthFlavor.None, uid, gid, []);

    public override string ToString() =>
        $"{Flavor} uid={Uid} gid={Gid} groups=[{string.Join(',', _supplementaryGids)}] from {ClientAddress}";
}
