using System.Net;

namespace DittoFs.Nfs;

/// <summary>How a caller's address is compared with configured networks and shown in MOUNT's lists.</summary>
internal static class ClientAddress
{
    /// <summary>
    /// An IPv4 client reaching a dual-stack socket shows as ::ffff:a.b.c.d; compared as a.b.c.d so that IPv4
    /// networks in the configuration match it.
    /// </summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The caller's address, or "none" when the transport gave no endpoint (matches no network).</summary>
    public static IPAddress Of(IPEndPoint? client) => client is null ? IPAddress.IPv6None : Normalize(client.Address);

    public static bool IsLoopback(IPEndPoint? client) => client is not null && IPAddress.IsLoopback(Normalize(client.Address));
}
