using System.Globalization;
using System.Net;

namespace DittoFs.Rpc.Portmap;

/// <summary>
/// RFC 1833 §2.2's universal addresses, how rpcbind names an address and port as text: the host as usual
/// ("192.0.2.7", "fd00::2"), then the port's high and low bytes ("192.0.2.7.8.1" is port 2049 there).
/// </summary>
public static class UniversalAddress
{
    /// <summary>The universal address of <paramref name="host"/> at <paramref name="port"/>: "0.0.0.0.8.1", "::.8.1".</summary>
    public static string Of(IPAddress host, uint port) =>
        string.Create(CultureInfo.InvariantCulture, $"{host}.{port >> 8}.{port & 0xFF}");

    /// <summary>The port of a universal address ("h.p1.p2", any host part); 0 for "" or anything else.</summary>
    public static uint PortOf(string universalAddress) => TryParse(universalAddress, out _, out uint port) ? port : 0;

    /// <summary>The host and port of a universal address; false if it is not one (the host part must be an IP literal).</summary>
    public static bool TryParse(string universalAddress, out IPAddress host, out uint port)
    {
        host = IPAddress.None;
        port = 0;
        int low = universalAddress.LastIndexOf('.');
        int high = low > 0 ? universalAddress.LastIndexOf('.', low - 1) : -1;
        if (high <= 0
            || !byte.TryParse(universalAddress.AsSpan(high + 1, low - high - 1), NumberStyles.None, CultureInfo.InvariantCulture, out byte portHigh)
            || !byte.TryParse(universalAddress.AsSpan(low + 1), NumberStyles.None, CultureInfo.InvariantCulture, out byte portLow)
            || !IPAddress.TryParse(universalAddress.AsSpan(0, high), out var parsed))
            return false;
        (host, port) = (parsed, (uint)(portHigh << 8 | portLow));
        return true;
    }
}
