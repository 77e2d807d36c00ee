using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc.Portmap;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// <see cref="RpcUdpClient"/>: calls as datagrams through the generated stubs, retransmission with the same xid until the
/// reply comes (and, through a lossy relay, the server's duplicate request cache keeping the call from running twice),
/// timeouts, and a port where nothing listens.
/// </summary>
public class RpcUdpClientTests
{
    private static readonly RpcClientOptions Quick = new() { RetransmitInterval = TimeSpan.FromMilliseconds(100), CallTimeout = Bounded.Wait };

    [Test]
    public async Task A_generated_client_stub_calls_over_udp()
    {
        var table = new PortmapTable();
        table.Set(new Mapping { Prog = 100005, Vers = 3, Prot = 17, Port = 4242 });
        await using var server = await TestServer.StartUdpAsync(null, PortmapProgram.Create(new PortmapService(table, NullLogger<PortmapService>.Instance)));
        await using var client = RpcUdpClient.Create(server.UdpEndPoint, Quick);
        var portmapper = new PmapV2Client(client);

        uint port = await portmapper.GetportAsync(new Mapping { Prog = 100005, Vers = 3, Prot = 17 }).Within();
        var dump = await portmapper.DumpAsync().Within();

        Assert.That(port, Is.EqualTo(4242));
        Assert.That(dump.ToArray().Select(entry => entry.Map.Port), Is.EqualTo(new uint[] { 4242 }));
    }

    [Test]
    public async Task Results_come_back_and_error_replies_throw()
    {
        await using var server = await TestServer.StartUdpAsync();
        await using var client = RpcUdpClient.Create(server.UdpEndPoint, Quick);

        var echoed = await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(TestProgram.Number, 1, TestProcedure.Echo, new byte[] { 1, 2, 3 }, default).Within();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(0x3FFF_FFFF, 1, 0, ReadOnlyMemory<byte>.Empty, default).Within());

        Assert.That(DittoFs.Xdr.XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(echoed.ToArray()).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(error!.AcceptStatus, Is.EqualTo(AcceptStat.ProgUnavail));
    }

    [Test]
    public async Task Concurrent_calls_are_matched_to_their_replies()
    {
        await using var server = await TestServer.StartUdpAsync();
        await using var client = RpcUdpClient.Create(server.UdpEndPoint, Quick);

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            var result = await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(TestProgram.Number, 1, TestProcedure.Echo, new byte[] { (byte)i }, default);
            return DittoFs.Xdr.XdrCodec.Decode<ReadOnlyMemory<byte>, OpaqueCodec>(result.ToArray()).ToArray()[0];
        })).Within();

        Assert.That(results, Is.EqualTo(Enumerable.Range(0, 100).Select(i => (byte)i)));
    }

    [Test]
    public async Task A_lost_reply_is_recovered_by_retransmission_and_the_call_runs_once()
    {
        await using var server = await TestServer.StartUdpAsync(options =>
            options.NonIdempotentProcedures = (program, _, procedure) => program == TestProgram.Number && procedure == TestProcedure.Null);
        using var relay = new LossyRelay(server.UdpEndPoint, dropReplies: 1);
        await using var client = RpcUdpClient.Create(relay.EndPoint, Quick);

        await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(TestProgram.Number, 1, TestProcedure.Null, ReadOnlyMemory<byte>.Empty, default).Within();

        Assert.That(relay.Calls, Has.Count.GreaterThanOrEqualTo(2), "the call was sent again");
        Assert.That(relay.Calls.Distinct(new BytesComparer()).Count(), Is.EqualTo(1), "every copy is the same datagram (same xid)");
        Assert.That(server.Program.NullCalls, Is.EqualTo(1), "the server replayed its reply instead of running the call again");
    }

    [Test]
    public async Task A_server_that_never_answers_times_out_after_retransmitting()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var client = RpcUdpClient.Create((IPEndPoint)silent.LocalEndPoint!,
            new RpcClientOptions { RetransmitInterval = TimeSpan.FromMilliseconds(50), CallTimeout = TimeSpan.FromMilliseconds(600) });

        await Assert.ThrowsAsync<TimeoutException>(async () =>
            await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(TestProgram.Number, 1, 0, ReadOnlyMemory<byte>.Empty, default).Within());

        Assert.That(silent.Available, Is.GreaterThan(0));
        int datagrams = 0;
        var buffer = new byte[1024];
        while (silent.Available > 0 && silent.Receive(buffer) > 0)
            datagrams++;
        Assert.That(datagrams, Is.GreaterThanOrEqualTo(3), "retransmitted while waiting");
    }

    [Test]
    public async Task A_port_where_nothing_listens_fails_fast_with_an_io_error()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        await using var client = RpcUdpClient.Create(new IPEndPoint(IPAddress.Loopback, port), Quick);

        await Assert.ThrowsAsync<IOException>(async () =>
            await client.CallAsync<ReadOnlyMemory<byte>, OpaqueCodec>(TestProgram.Number, 1, 0, ReadOnlyMemory<byte>.Empty, default).Within());
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] bytes) => bytes.Length;
    }

    /// <summary>
    /// Relays datagrams between one client and the server, dropping the first <c>dropReplies</c> replies on the way back
    /// (a lost reply: the call has run, the client does not know).
    /// </summary>
    private sealed class LossyRelay : IDisposable
    {
        private readonly Socket _front = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Socket _back = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private int _dropReplies;
        private EndPoint? _client;

        public LossyRelay(IPEndPoint server, int dropReplies)
        {
            _dropReplies = dropReplies;
            _front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _back.Connect(server);
            _ = Task.Run(() => ForwardCallsAsync());
            _ = Task.Run(() => ForwardRepliesAsync());
        }

        public IPEndPoint EndPoint => (IPEndPoint)_front.LocalEndPoint!;
        public List<byte[]> Calls { get; } = [];

        private async Task ForwardCallsAsync()
        {
            var buffer = new byte[70_000];
            try
            {
                while (true)
                {
                    var received = await _front.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    _client = received.RemoteEndPoint;
                    lock (Calls)
                        Calls.Add(buffer.AsSpan(0, received.ReceivedBytes).ToArray());
                    await _back.SendAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, _stop.Token);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task ForwardRepliesAsync()
        {
            var buffer = new byte[70_000];
            try
            {
                while (true)
                {
                    int length = await _back.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (Interlocked.Decrement(ref _dropReplies) >= 0)
                        continue;
                    await _front.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, _client!, _stop.Token);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _front.Dispose();
            _back.Dispose();
        }
    }
}
