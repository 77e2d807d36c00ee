using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace DittoFs.Cli;

/// <summary>
/// sd_notify(3) for a unit of Type=notify: when systemd starts the server it sets NOTIFY_SOCKET to a unix datagram
/// socket (a path, or an abstract name written with a leading '@'); one datagram of "KEY=value" lines tells it the
/// state. The server sends READY=1 once its listeners are up and STOPPING=1 when a stop begins. Without
/// NOTIFY_SOCKET (run by hand, in a container) nothing is sent.
/// </summary>
internal static class SystemdNotify
{
    public const string Variable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> to NOTIFY_SOCKET if it is set; a failure is logged (a warning), never thrown.</summary>
    public static bool Send(string state, ILogger log)
    {
        string? address = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(address))
            return false;
        try
        {
            // "@name" is a socket in the abstract namespace: a leading NUL byte, as UnixDomainSocketEndPoint takes it.
            var endPoint = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), endPoint);
            return true;
        }
        catch (SocketException e)
        {
            log.LogWarning("Could not notify systemd ({State}) at {Variable}={Address}: {Error}", state, Variable, address, e.Message);
            return false;
        }
    }
}
