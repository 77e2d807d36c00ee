using System.Net;
using System.Net.Sockets;

namespace DittoFs.Server.Configuration;

/// <summary>
/// server.address (--listen) and metrics.address: the address a listener binds. Empty means every address; an IP
/// literal means that address only (127.0.0.1 keeps the server on this host). Host names are not taken: a name can
/// stand for several addresses, and a listener binds one.
/// </summary>
public static class ListenAddress
{
    public const string Expected = "an IP address of this host such as 127.0.0.1 or ::1, 0.0.0.0 (every IPv4 address), :: (every IPv6 and IPv4 address), or \"\" (every address)";

    /// <summary>An IP literal (IPv6 with or without brackets), or null for "" (every address).</summary>
    public static bool TryParse(string text, out IPAddress? address)
    {
        text = text.Trim();
        address = null;
        if (text.Length == 0)
            return true;
        if (text.StartsWith('[') && text.EndsWith(']'))
            text = text[1..^1];
        // IPAddress.TryParse also takes "1" or "10.1" (classful shorthands) and IPv6 zone ids ("fe80::1%eth0"): only
        // the usual spellings here.
        if (text.Contains('%') || !IPAddress.TryParse(text, out var parsed) || (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            return false;
        address = parsed;
        return true;
    }

    /// <summary>
    /// Where a listener of <paramref name="key"/> (server.address for the NFS port and NLM's, NSM's and our portmapper's;
    /// metrics.address) binds: the address given, or for "" every IPv6 and IPv4 address (one dual-stack socket,
    /// <see cref="IPAddress.IPv6Any"/>), or every IPv4 address on a host without IPv6.
    /// </summary>
    public static IPAddress ToBind(string text, string key)
    {
        if (!TryParse(text, out var address))
            throw new ConfigException(key, 0, 0, $"'{text}' is not {Expected}");
        return address ?? (Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any);
    }

    /// <summary>Whether a listener bound to <paramref name="address"/> is reached over IPv4 (0.0.0.0, an IPv4 address, or the dual-stack ::).</summary>
    public static bool ServesIPv4(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork || address.Equals(IPAddress.IPv6Any);

    /// <summary>Whether a listener bound to <paramref name="address"/> is reached over IPv6.</summary>
    public static bool ServesIPv6(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6;
}
