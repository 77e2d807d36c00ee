using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc;

/// <summary>
/// A TCP listening socket bound the way every DittoFs port is: dual-stack when bound to <see cref="IPAddress.IPv6Any"/>
/// (one socket for IPv6 and IPv4 clients), and restartable on a fixed port at once.
/// </summary>
public static class ListeningSocket
{
    private const int SolSocket = 1, SoReuseAddr = 2; // Linux <sys/socket.h>

    /// <summary>
    /// Binds <paramref name="address"/>:<paramref name="port"/> and listens; throws <see cref="SocketException"/> when the
    /// port is taken (AddressAlreadyInUse), the address is not this host's (AddressNotAvailable) or the port is privileged.
    /// </summary>
    public static Socket Open(IPAddress address, int port, int backlog)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
                listener.DualMode = true;
            // Restarting on a fixed port must not wait for the previous run's connections in TIME_WAIT: set
            // SO_REUSEADDR alone. .NET's ReuseAddress also sets SO_REUSEPORT on Linux, which would let a second
            // server bind the same port and take half the connections. (On Windows it lets another process
            // take the port, so it is left off there.)
            if (OperatingSystem.IsLinux())
                listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(backlog);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }
}
