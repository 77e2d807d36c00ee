using System.Text;
using DittoFs.Protocol;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// The credential an <see cref="RpcClient"/> sends with every call (RFC 5531 §8.2 opaque_auth), encoded
/// once. The verifier sent with it is always AUTH_NONE, as AUTH_NONE and AUTH_SYS expect.
/// </summary>
public sealed class RpcCredential
{
    /// <summary>AUTH_NONE (RFC 5531 §10.1): no identity; servers treat the caller as anonymous.</summary>
    public static RpcCredential None { get; } = new((uint)AuthFlavor.AuthNone, ReadOnlyMemory<byte>.Empty);

    /// <summary>Any flavour with a pre-encoded body, e.g. to probe how a server answers flavours it does not speak.</summary>
    public RpcCredential(uint flavor, ReadOnlyMemory<byte> body)
    {
        if (body.Length > RpcProtConstants.MaxAuthBytes)
            throw new ArgumentException($"A credential body holds at most {RpcProtConstants.MaxAuthBytes} bytes.", nameof(body));
        Flavor = flavor;
        Body = body;
    }

    public uint Flavor { get; }
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// AUTH_SYS (RFC 5531 appendix A): the caller's uid, gid, up to 16 supplementary groups and machine
    /// name (default: this machine's name). The stamp is arbitrary; by default the current Unix time.
    /// </summary>
    public static RpcCredential AuthSys(uint uid, uint gid, IEnumerable<uint>? groups = null, string? machineName = null, uint? stamp = null)
    {
        var gids = groups?.ToArray() ?? [];
        if (gids.Length > AuthSysLimits.MaxGroups)
            throw new ArgumentException($"AUTH_SYS carries at most {AuthSysLimits.MaxGroups} supplementary groups.", nameof(groups));
        var name = Encoding.UTF8.GetBytes(machineName ?? Environment.MachineName);
        if (name.Length > AuthSysLimits.MaxMachineNameBytes)
            throw new ArgumentException($"An AUTH_SYS machine name has at most {AuthSysLimits.MaxMachineNameBytes} bytes.", nameof(machineName));
        var parameters = new AuthsysParms
        {
            Stamp = stamp ?? (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Machinename = name,
            Uid = uid,
            Gid = gid,
            Gids = gids,
        };
        return new RpcCredential((uint)AuthFlavor.AuthSys, XdrCodec.Encode(in parameters));
    }

    internal OpaqueAuth ToOpaqueAuth() => new() { Flavor = Flavor, Body = Body };
}
