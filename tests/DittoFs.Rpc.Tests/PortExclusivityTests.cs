using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Rpc.Tests;

public class PortExclusivityTests
{
    [Test]
    public async Task A_second_server_cannot_bind_a_port_in_use()
    {
        await using var first = await TestServer.StartAsync();
        var options = new RpcServerOptions { Address = IPAddress.Loopback, Port = first.EndPoint.Port };
        await using var second = new RpcServer(options, [], NullLogger.Instance);

        // SO_REUSEPORT would let both listen and the kernel split the connections between them.
        await Assert.ThrowsAsync<SocketException>(() => second.StartAsync());
    }
}
