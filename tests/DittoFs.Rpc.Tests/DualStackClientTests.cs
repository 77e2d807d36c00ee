using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Rpc.Tests;

/// <summary>A server on every IPv6 and IPv4 address (IPv6Any, dual-stack) hands IPv4 clients on as IPv4 addresses.</summary>
public sealed class DualStackClientTests
{
    private sealed class AcceptedClients : IRpcServerObserver
    {
        public ConcurrentQueue<IPEndPoint> Clients { get; } = new();

        public void ConnectionAccepted(IPEndPoint client) => Clients.Enqueue(client);
    }

    [Test]
    public async Task An_IPv4_client_of_a_dual_stack_server_is_seen_as_IPv4_and_an_IPv6_one_as_IPv6()
    {
        var observer = new AcceptedClients();
        await using var server = new RpcServer(new RpcServerOptions { Address = IPAddress.IPv6Any }, [], NullLogger.Instance, observer);
        await server.StartAsync();
        int port = server.LocalEndPoint.Port;

        using (var overIPv4 = new TcpClient(AddressFamily.InterNetwork))
            await overIPv4.ConnectAsync(IPAddress.Loopback, port);
        using (var overIPv6 = new TcpClient(AddressFamily.InterNetworkV6))
            await overIPv6.ConnectAsync(IPAddress.IPv6Loopback, port);
        for (int i = 0; i < 200 && observer.Clients.Count < 2; i++)
            await Task.Delay(25);

        Assert.That(observer.Clients.Select(client => client.Address), Is.EquivalentTo(new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }),
            "127.0.0.1, not ::ffff:127.0.0.1");
    }
}
