using DittoFs.Rpc.Portmap;

namespace DittoFs.Rpc.Tests;

/// <summary>RFC 1833 §2.2 universal addresses, as DittoFs registers IPv6 rows with rpcbind and reads them back.</summary>
public sealed class UniversalAddressTests
{
    [TestCase(2049u, "::.8.1")]
    [TestCase(111u, "::.0.111")]
    [TestCase(65535u, "::.255.255")]
    public void Every_IPv6_address_at_a_port_is_two_colons_and_the_port_bytes(uint port, string expected)
    {
        Assert.That(UniversalAddress.Of(System.Net.IPAddress.IPv6Any, port), Is.EqualTo(expected));
        Assert.That(UniversalAddress.PortOf(expected), Is.EqualTo(port));
    }

    [TestCase("0.0.0.0.8.1", 2049u)]
    [TestCase("127.0.0.1.0.111", 111u)]
    [TestCase("fd00::2.9.90", 2394u)]
    [TestCase("", 0u)]
    [TestCase("::1", 0u)]
    [TestCase("::.300.1", 0u)]
    public void The_port_is_read_from_the_last_two_parts_whatever_the_host(string address, uint port)
    {
        Assert.That(UniversalAddress.PortOf(address), Is.EqualTo(port));
    }
}
