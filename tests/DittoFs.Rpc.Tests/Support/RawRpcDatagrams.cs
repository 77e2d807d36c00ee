using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// A plain UDP socket aimed at the server: sends whatever datagrams a test wants (one call each, no record marking)
/// and reads the replies that come back to its own port.
/// </summary>
internal sealed class RawRpcDatagrams : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _server;

    public RawRpcDatagrams(IPEndPoint server)
    {
        _server = server;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public Task SendAsync(byte[] datagram) => _socket.SendToAsync(datagram, SocketFlags.None, _server).Within();

    /// <summary>The next datagram that arrives (any sender's), raw.</summary>
    public async Task<byte[]> ReceiveRawAsync(TimeSpan? within = null)
    {
        var buffer = new byte[70_000];
        using var timeout = new CancellationTokenSource(within ?? Bounded.Wait);
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return buffer.AsSpan(0, result.ReceivedBytes).ToArray();
    }

    public async Task<ReplyMessage> ReceiveReplyAsync() => ReplyMessage.Parse(await ReceiveRawAsync());

    /// <summary>True when nothing arrives within <paramref name="within"/> (a short, bounded look for an absent reply).</summary>
    public async Task<bool> NothingArrivesAsync(TimeSpan within)
    {
        try
        {
            await ReceiveRawAsync(within);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Sends one call and reads the next reply.</summary>
    public async Task<ReplyMessage> CallAsync(byte[] message)
    {
        await SendAsync(message);
        return await ReceiveReplyAsync();
    }

    /// <summary>
    /// A call as a UDP client makes it: retransmitted (same datagram, same xid) every <paramref name="retransmitAfter"/>
    /// until its reply comes; replies to other xids (late answers to earlier retransmissions) are skipped.
    /// </summary>
    public async Task<ReplyMessage> CallRetransmittingAsync(byte[] message, TimeSpan retransmitAfter)
    {
        uint xid = BinaryPrimitives.ReadUInt32BigEndian(message);
        var deadline = DateTime.UtcNow + Bounded.Wait;
        while (DateTime.UtcNow < deadline)
        {
            await SendAsync(message);
            try
            {
                while (true)
                {
                    var reply = ReplyMessage.Parse(await ReceiveRawAsync(retransmitAfter));
                    if (reply.Xid == xid)
                        return reply;
                }
            }
            catch (OperationCanceledException)
            {
                // No reply in time: send it again.
            }
        }
        Assert.Fail($"No reply to xid 0x{xid:x8} within {Bounded.Wait}.");
        return null!;
    }

    public void Dispose() => _socket.Dispose();
}
