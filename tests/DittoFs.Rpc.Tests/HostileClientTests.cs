using System.Net.Sockets;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// Clients that start a record and never finish it. The server keeps serving everyone else, a stalled connection is
/// closed by the idle timeout (nothing arrived, no call running), and what a stalled partial record costs is what
/// actually arrived, not what its fragment header claims.
/// </summary>
public class HostileClientTests
{
    private static readonly TimeSpan ShortIdle = TimeSpan.FromMilliseconds(500);

    [Test]
    public async Task A_client_that_sends_a_fragment_header_and_stalls_is_closed_by_the_idle_timeout_while_others_are_served()
    {
        await using var server = await TestServer.StartAsync(options => options.IdleTimeout = ShortIdle);
        await using var stalled = await server.ConnectRawAsync();
        await stalled.SendAsync([.. CallMessage.FragmentHeader(1000, last: true), .. new byte[10]]);

        // Served meanwhile, on another connection, for longer than the idle timeout.
        await using (var other = await server.ConnectRawAsync())
        {
            for (uint xid = 1; xid <= 4; xid++)
            {
                (await other.CallAsync(CallMessage.Test(xid, TestProcedure.Null))).AssertSuccess(xid);
                await Task.Delay(ShortIdle / 4);
            }
        }

        Assert.That(await stalled.ClosedByServerAsync(), Is.True);
        await Bounded.Until(() => server.Observer.Closed.Contains(RpcConnectionCloseReason.IdleTimeout), "the idle close is reported");
    }

    [Test]
    public async Task Half_a_fragment_header_is_closed_by_the_idle_timeout()
    {
        await using var server = await TestServer.StartAsync(options => options.IdleTimeout = ShortIdle);
        await using var stalled = await server.ConnectRawAsync();

        await stalled.SendAsync([0x80, 0x00]);

        Assert.That(await stalled.ClosedByServerAsync(), Is.True);
        await server.AssertServesFreshConnectionAsync();
    }

    [Test]
    public async Task Hundreds_of_stalled_maximum_size_fragments_cost_what_arrived_not_what_was_announced()
    {
        const int Connections = 300;
        await using var server = await TestServer.StartAsync();
        var clients = new List<TcpClient>();
        try
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Connections; i++)
            {
                var client = new TcpClient();
                clients.Add(client);
                await client.ConnectAsync(server.EndPoint).Within();
                // Announces a 2 MiB record (the maximum), then sends 100 bytes of it and stalls.
                await client.GetStream().WriteAsync(CallMessage.FragmentHeader(RpcServerOptions.DefaultMaxRecordSize - 4, last: true)).AsTask().Within();
                await client.GetStream().WriteAsync(new byte[100]).AsTask().Within();
            }
            await Bounded.Until(() => server.Server.ConnectionCount == Connections, "every connection is accepted");
            await Task.Delay(200); // let the read loops take the bytes
            await server.AssertServesFreshConnectionAsync();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

            // Had each announced record been reserved, that would be 600 MiB.
            TestContext.Out.WriteLine($"{Connections} stalled connections: {allocated / 1024} KiB allocated in the process");
            Assert.That(allocated, Is.LessThan(64L * 1024 * 1024));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
