using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DittoFs.EndToEnd;

/// <summary>
/// Connections that never complete a call, against the real executable configured with a 2 s idle timeout: the server
/// keeps answering fresh clients, closes stalled connections itself, and what thousands of them cost stays bounded
/// (resident memory read from /proc/PID/status).
/// </summary>
[TestFixture]
public sealed class HostileConnectionTests
{
    private const uint Nfs = 100003;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);
    private ConfiguredServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = ConfiguredServer.Start($$"""
        server:
          idle_timeout: {{IdleTimeout.TotalSeconds}}s
        metrics:
          enabled: false

        """ + ConfiguredServer.InMemoryShare);

    [OneTimeTearDown]
    public void StopServer() => _server?.Dispose();

    [TearDown]
    public void TheServerStillAnswers()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("dittofs output:\n" + _server.Process.Output);
        }
        Assert.That(NullCall(), Is.True, "a fresh connection gets a NULL answered");
    }

    private bool NullCall()
    {
        using var rpc = new RawRpc(_server.Port);
        rpc.SendRecord(RawRpc.Call(77, Nfs, 3, 0));
        var reply = rpc.ReceiveRecord();
        return reply is not null && RawRpc.Word(reply, 0) == 77 && RawRpc.Word(reply, 5) == 0;
    }

    private static byte[] FragmentHeader(uint length, bool last)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (last ? 0x8000_0000u : 0) | length);
        return header;
    }

    [Test]
    public void A_client_that_sends_a_fragment_header_and_stalls_is_closed_while_others_are_served()
    {
        using var stalled = new RawRpc(_server.Port);
        var clock = Stopwatch.StartNew();
        stalled.SendRaw([.. FragmentHeader(1000, last: true), .. new byte[10]]);

        // Served meanwhile, past the idle timeout.
        for (int i = 0; i < 5; i++)
        {
            Assert.That(NullCall(), Is.True, $"NULL call {i} while a connection is stalled");
            Thread.Sleep(IdleTimeout / 4);
        }

        Assert.That(stalled.IsClosedByServer(), Is.True, "the stalled connection is closed by the server");
        TestContext.Out.WriteLine($"stalled connection closed {clock.Elapsed.TotalSeconds:F1} s after its header (idle timeout {IdleTimeout.TotalSeconds} s)");
        Assert.That(clock.Elapsed, Is.LessThan(IdleTimeout * 6), "closed by the idle timeout, not by the client's own timeout");
    }

    [Test]
    public async Task Two_thousand_half_open_connections_leave_the_server_answering_within_bounded_memory()
    {
        const int Connections = 2000;
        for (int i = 0; i < 20; i++)
        {
            Assert.That(NullCall(), Is.True, "warm-up");
        }
        long before = _server.ResidentKib();
        var sockets = new List<Socket>(Connections);
        try
        {
            // A third send nothing, a third half a fragment header, a third a 1 MiB fragment header and 64 bytes of it.
            for (int batch = 0; batch < Connections; batch += 100)
            {
                var opened = Enumerable.Range(batch, 100).Select(async i =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    lock (sockets)
                    {
                        sockets.Add(socket);
                    }
                    await socket.ConnectAsync(IPAddress.Loopback, _server.Port).WaitAsync(TimeSpan.FromSeconds(30));
                    byte[] bytes = (i % 3) switch
                    {
                        0 => [],
                        1 => [0x80, 0x10],
                        _ => [.. FragmentHeader(1 << 20, last: true), .. new byte[64]],
                    };
                    if (bytes.Length > 0)
                    {
                        await socket.SendAsync(bytes, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
                    }
                });
                await Task.WhenAll(opened);
            }
            await Task.Delay(500); // let the server read what was sent

            var clock = Stopwatch.StartNew();
            Assert.That(NullCall(), Is.True, "a NULL call on a fresh connection, with 2000 half-open ones");
            long during = _server.ResidentKib();
            TestContext.Out.WriteLine($"NULL answered in {clock.ElapsedMilliseconds} ms with {Connections} half-open connections; " +
                $"server RSS {before / 1024} MiB before, {during / 1024} MiB with them (+{(during - before) / 1024} MiB)");

            // Reserving the announced records alone would take 667 MiB.
            Assert.That(during - before, Is.LessThan(100 * 1024), "RSS growth in KiB");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
        // Closed by the clients: the server lets them go.
        await Task.Delay(IdleTimeout);
        TestContext.Out.WriteLine($"server RSS after the clients closed: {_server.ResidentKib() / 1024} MiB");
    }
}
