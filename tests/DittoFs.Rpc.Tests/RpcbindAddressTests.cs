using System.Net;
using DittoFs.Rpc.Portmap;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// What rpcbind's GETADDR answers for a row registered at every address: the address the caller reached, so a remote
/// client is never told "::" (which would have it connect to itself).
/// </summary>
public sealed class RpcbindAddressTests
{
    private static RpcCallContext Call(string client, string local) => new()
    {
        Client = new IPEndPoint(IPAddress.Parse(client), 800),
        LocalEndPoint = new IPEndPoint(IPAddress.Parse(local), 111),
    };

    [TestCase("::.8.1", "tcp6", "fd00::7", "fd00::2", "fd00::2.8.1", TestName = "Every IPv6 address becomes the IPv6 address the caller reached")]
    [TestCase("0.0.0.0.8.1", "tcp", "192.0.2.7", "192.0.2.1", "192.0.2.1.8.1", TestName = "Every IPv4 address becomes the IPv4 address the caller reached")]
    [TestCase("0.0.0.0.8.1", "tcp", "fd00::7", "fd00::2", "0.0.0.0.8.1", TestName = "A row of the other family is answered as registered")]
    [TestCase("::.8.1", "udp6", "::1", "::", "::1.8.1", TestName = "Over UDP on every address a caller on this host gets the loopback")]
    [TestCase("::.8.1", "udp6", "fd00::7", "::", "::.8.1", TestName = "Over UDP on every address a remote caller gets the row as registered")]
    [TestCase("fd00::9.8.1", "tcp6", "fd00::7", "fd00::2", "fd00::9.8.1", TestName = "A specific address is answered as registered")]
    public void A_wildcard_row_is_answered_with_the_address_the_caller_reached(string registered, string netid, string client, string local, string expected)
    {
        Assert.That(RpcbindService.AddressFor(registered, netid, Call(client, local)), Is.EqualTo(expected));
    }

    [TestCase("0.0.0.0.8.1", "0.0.0.0", 2049u)]
    [TestCase("fd00::2.9.90", "fd00::2", 2394u)]
    public void A_universal_address_is_read_as_host_and_port(string text, string host, uint port)
    {
        Assert.That(UniversalAddress.TryParse(text, out var parsedHost, out uint parsedPort), Is.True);
        Assert.That((parsedHost.ToString(), parsedPort), Is.EqualTo((host, port)));
        Assert.That(UniversalAddress.Of(parsedHost, parsedPort), Is.EqualTo(text));
    }
}
