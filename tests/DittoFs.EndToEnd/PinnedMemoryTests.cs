using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;

namespace DittoFs.EndToEnd;

/// <summary>
/// Clients that each send most of a 1 MiB record and stall, against the real executable: what they pin is bounded by
/// server.max_pending_record_bytes (plus a little per connection), not by how many of them there are, and a fresh
/// client's NULL and GETATTR are still answered. The server's resident memory is read from /proc/PID/status.
/// <para>
/// DITTOFS_PINNED_CONNECTIONS, DITTOFS_PINNED_BUDGET ("default": the key left out) and DITTOFS_PINNED_SEND (bytes each
/// connection sends, header included) change the load, e.g. 5000 connections on the default budget, measured by hand:
/// too heavy for CI.
/// </para>
/// </summary>
[TestFixture]
public sealed class PinnedMemoryTests
{
    private const uint Nfs = 100003;
    private const int RecordLength = 1 << 20;
    private static readonly int Connections = int.TryParse(Environment.GetEnvironmentVariable("DITTOFS_PINNED_CONNECTIONS"), out int n) ? n : 1500;
    private static readonly string Budget = Environment.GetEnvironmentVariable("DITTOFS_PINNED_BUDGET") is { Length: > 0 } b ? b : "64MiB";
    private static readonly int Send = int.TryParse(Environment.GetEnvironmentVariable("DITTOFS_PINNED_SEND"), out int s) ? s : RecordLength - 1;

    /// <summary>What a connection may cost besides the budget: its objects, an uncharged 8 KiB record and one 64 KiB read held back.</summary>
    private const long PerConnectionKib = 128;

    private const long MarginKib = 128 * 1024;

    private ConfiguredServer _server = null!;

    // A long record timeout: this measures what the stalled records pin while they are held, not how fast they are freed.
    [OneTimeSetUp]
    public void StartServer() => _server = ConfiguredServer.Start(Budget == "default" ? """
        metrics:
          enabled: false

        """ + ConfiguredServer.InMemoryShare : $$"""
        server:
          max_pending_record_bytes: {{Budget}}
          record_timeout: 10m
        metrics:
          enabled: false

        """ + ConfiguredServer.InMemoryShare);

    [OneTimeTearDown]
    public void StopServer() => _server?.Dispose();

    private bool NullCall()
    {
        using var rpc = new RawRpc(_server.Port);
        rpc.SendRecord(RawRpc.Call(77, Nfs, 3, 0));
        var reply = rpc.ReceiveRecord();
        return reply is not null && RawRpc.Word(reply, 0) == 77 && RawRpc.Word(reply, 5) == 0;
    }

    private async Task<Nfsstat3> GetattrOnFreshMountAsync()
    {
        await using var session = await NfsSession.MountAsync(_server.Port, TimeSpan.FromSeconds(30));
        return (await session.Nfs.GetattrAsync(new Getattr3Args { Object = session.Root })).Status;
    }

    [Test]
    public async Task Many_stalled_large_records_pin_no_more_than_the_budget_and_a_fresh_client_is_answered()
    {
        Assert.That(await GetattrOnFreshMountAsync(), Is.EqualTo(Nfsstat3.Nfs3Ok), "warm-up");
        for (int i = 0; i < 20; i++)
        {
            Assert.That(NullCall(), Is.True, "warm-up");
        }
        Assert.That(ConfigLoaderSize(Budget == "default" ? "256MiB" : Budget, out long budgetBytes), Is.True, $"'{Budget}' is a size");
        long before = _server.ResidentKib();
        long bound = before + budgetBytes / 1024 + Connections * PerConnectionKib + MarginKib;

        // One record for all: a fragment header announcing 1 MiB - 4 bytes and all of it but the last byte.
        var record = new byte[Send];
        BinaryPrimitives.WriteUInt32BigEndian(record, 0x8000_0000u | (RecordLength - 4));
        var sockets = new List<Socket>(Connections);
        var sends = new List<Task>(Connections);
        long peak = before;
        try
        {
            for (int batch = 0; batch < Connections; batch += 100)
            {
                var opened = Enumerable.Range(batch, Math.Min(100, Connections - batch)).Select(async _ =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    lock (sockets)
                    {
                        sockets.Add(socket);
                    }
                    await socket.ConnectAsync(IPAddress.Loopback, _server.Port).WaitAsync(TimeSpan.FromSeconds(30));
                    // Not awaited: a connection the server does not read from (no budget left) never completes its send.
                    var send = SendAllAsync(socket, record);
                    lock (sends)
                    {
                        sends.Add(send);
                    }
                });
                await Task.WhenAll(opened);
                peak = Math.Max(peak, _server.ResidentKib());
            }

            // Until the server has taken what it will: resident memory steady for a second (bounded).
            var clock = Stopwatch.StartNew();
            using var serverProcess = Process.GetProcessById(_server.Process.ProcessId);
            long last = 0;
            int steady = 0;
            var steadySince = (Clock: TimeSpan.Zero, Cpu: TimeSpan.Zero);
            while (steady < 5 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
                long now = _server.ResidentKib();
                peak = Math.Max(peak, now);
                steady = Math.Abs(now - last) < 2048 ? steady + 1 : 0;
                last = now;
                if (steady == 1)
                {
                    serverProcess.Refresh();
                    steadySince = (clock.Elapsed, serverProcess.TotalProcessorTime);
                }
            }
            // Connections waiting for budget wait, they do not poll: the server is nearly idle meanwhile.
            serverProcess.Refresh();
            double cpuShare = (serverProcess.TotalProcessorTime - steadySince.Cpu) / (clock.Elapsed - steadySince.Clock);

            clock.Restart();
            Assert.That(NullCall(), Is.True, $"a NULL call on a fresh connection, with {Connections} stalled records");
            var nullTime = clock.Elapsed;
            clock.Restart();
            Assert.That(await GetattrOnFreshMountAsync(), Is.EqualTo(Nfsstat3.Nfs3Ok), "MNT and GETATTR on a fresh connection");
            var getattrTime = clock.Elapsed;
            long during = _server.ResidentKib();
            peak = Math.Max(peak, during);
            TestContext.Out.WriteLine($"{Connections} connections each stalled after {Send} bytes of a 1 MiB record, budget {Budget}: " +
                $"server RSS {before / 1024} MiB before, {during / 1024} MiB with them, peak {peak / 1024} MiB (bound {bound / 1024} MiB); " +
                $"fresh NULL answered in {nullTime.TotalMilliseconds:F0} ms, MNT + GETATTR in {getattrTime.TotalMilliseconds:F0} ms; " +
                $"server CPU while they stalled: {cpuShare:P0} of a core");

            Assert.That(peak, Is.LessThan(bound), "peak RSS in KiB: the budget plus a little per connection");
            Assert.That(nullTime + getattrTime, Is.LessThan(TimeSpan.FromSeconds(10)), "answered promptly");
            Assert.That(cpuShare, Is.LessThan(0.8), "no busy loop while reads pause");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
            await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(30));
        }
        // The server lets them all go, and is left as it was found.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!NullCall() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        TestContext.Out.WriteLine($"server RSS after the clients closed: {_server.ResidentKib() / 1024} MiB");
    }

    private static bool ConfigLoaderSize(string text, out long bytes) =>
        DittoFs.Server.Configuration.ConfigLoader.TryParseSize(text, out bytes);

    /// <summary>Sends <paramref name="bytes"/>; ends quietly when the socket is closed under it.</summary>
    private static async Task SendAllAsync(Socket socket, byte[] bytes)
    {
        try
        {
            int sent = 0;
            while (sent < bytes.Length)
            {
                sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Closed by the test (or reset by the server).
        }
    }
}
