using DittoFs.Tests;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// The UDP path allocates nothing per datagram in steady state: receive and send through the
/// <see cref="SocketAddress"/> overloads into pooled slots, the sender's <see cref="IPEndPoint"/> remembered per slot,
/// the call pooled as over TCP. Every byte the process allocates is counted (<see cref="GC.GetTotalAllocatedBytes"/>,
/// all threads) while a client that allocates nothing itself (blocking socket calls into fixed buffers) sends batches of
/// calls and reads their replies. An allocation count, not a timing.
/// </summary>
[NonParallelizable]
public class UdpAllocationTests
{
    private const int InFlight = 8;
    private const int WarmupBatches = 300;
    private const int MeasuredBatches = 2_000;
    private const int Windows = 4;
    // Any object allocated per call costs at least 24 bytes per call; the process's own housekeeping (thread pool,
    // timers) shows as a fraction of a byte per call.
    private const int BytesPerCallAllowed = 4;

    [Test]
    public async Task Steady_state_udp_calls_allocate_nothing_per_datagram()
    {
        Allocations.RequireOptimisedBuild(typeof(RpcServer).Assembly);

        // No recording observer (its queue allocates per call) and no logger output: only the server's own path counts.
        var server = new RpcServer(new RpcServerOptions { Address = IPAddress.Loopback, Udp = new RpcUdpOptions() }, [new TestProgram(1, new Gates())],
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await server.StartAsync().Within();
        await using var stop = server;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = (int)Bounded.Wait.TotalMilliseconds };
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var serverAddress = server.UdpEndPoint!.Serialize();
        var from = new SocketAddress(AddressFamily.InterNetwork);
        var calls = Enumerable.Range(0, InFlight).Select(i => CallMessage.Echo((uint)(0x9000 + i), new byte[64])).ToArray();
        var reply = new byte[1024];

        void RoundTrip()
        {
            foreach (var call in calls)
                client.SendTo(call, SocketFlags.None, serverAddress);
            for (int i = 0; i < InFlight; i++)
            {
                int length = client.ReceiveFrom(reply, SocketFlags.None, from);
                // xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS (checked by hand: a constraint would allocate)
                if (length < 24 || BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(20)) != 0)
                    Assert.Fail("a reply that is not SUCCESS");
            }
        }

        for (int i = 0; i < WarmupBatches; i++)
            RoundTrip();
        long callsMeasured = (long)MeasuredBatches * InFlight;
        long fewest = long.MaxValue;
        for (int window = 0; window < Windows && fewest >= callsMeasured; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < MeasuredBatches; i++)
                RoundTrip();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            TestContext.Out.WriteLine($"{allocated} bytes allocated by the process over {callsMeasured} UDP calls ({(double)allocated / callsMeasured:F3} B/call)");
            fewest = Math.Min(fewest, allocated);
        }
        Assert.That(fewest / (double)callsMeasured, Is.LessThan(BytesPerCallAllowed));
    }
}
