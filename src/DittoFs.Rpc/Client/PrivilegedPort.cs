using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc;

/// <summary>
/// Binds a client socket to a source port below 1024, which servers exporting with "secure" take as proof
/// that the caller is the client machine's kernel or root (RFC 1813 does not require it; practice does).
/// </summary>
internal static class PrivilegedPort
{
    // The range the BSD bindresvport(3) and Linux's sunrpc use; ports below 512 are left to system services.
    private const int Highest = 1023;
    private const int Lowest = 512;

    public static void Bind(Socket socket, AddressFamily family)
    {
        var any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        for (int port = Highest; port >= Lowest; port--)
        {
            try
            {
                socket.Bind(new IPEndPoint(any, port));
                return;
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // Taken; try the next one down.
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AccessDenied)
            {
                throw new UnauthorizedAccessException("Binding a privileged source port needs root or CAP_NET_BIND_SERVICE.", exception);
            }
        }
        throw new IOException($"No free privileged source port between {Lowest} and {Highest}.");
    }
}
