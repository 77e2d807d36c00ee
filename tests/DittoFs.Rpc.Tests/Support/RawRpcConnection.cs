using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DittoFs.Rpc.Tests;

/// <summary>A plain TCP connection to the server: sends whatever bytes a test wants and reads reply records.</summary>
internal sealed class RawRpcConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawRpcConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawRpcConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        await client.ConnectAsync(endPoint).Within();
        return new RawRpcConnection(client);
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().Within();

    /// <summary>Sends bytes the server may close the connection over before it has read them all.</summary>
    public async Task SendAllowingCloseAsync(byte[] bytes)
    {
        try
        {
            await SendAsync(bytes);
        }
        catch (IOException)
        {
            // Reset by the server while sending: what the test expects anyway.
        }
    }

    public Task SendRecordAsync(byte[] message) => SendAsync(CallMessage.Record(message));

    /// <summary>Reads one whole reply record (reassembling fragments) and decodes its header.</summary>
    public async Task<ReplyMessage> ReadReplyAsync()
    {
        var record = new List<byte>();
        while (true)
        {
            var header = await ReadExactlyAsync(4);
            uint mark = BinaryPrimitives.ReadUInt32BigEndian(header);
            record.AddRange(await ReadExactlyAsync((int)(mark & 0x7FFF_FFFF)));
            if ((mark & 0x8000_0000) != 0)
                return ReplyMessage.Parse([.. record]);
        }
    }

    /// <summary>Reads replies until one for each of <paramref name="count"/> calls arrived, in arrival order.</summary>
    public async Task<List<ReplyMessage>> ReadRepliesAsync(int count)
    {
        var replies = new List<ReplyMessage>();
        for (int i = 0; i < count; i++)
            replies.Add(await ReadReplyAsync());
        return replies;
    }

    /// <summary>Sends one call record and reads the next reply.</summary>
    public async Task<ReplyMessage> CallAsync(byte[] message)
    {
        await SendRecordAsync(message);
        return await ReadReplyAsync();
    }

    /// <summary>True when the server closed the connection (end of stream or reset) without sending anything more.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        var buffer = new byte[1];
        try
        {
            return await _stream.ReadAsync(buffer).AsTask().Within() == 0;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    public async Task<byte[]> ReadExactlyAsync(int length)
    {
        var buffer = new byte[length];
        await _stream.ReadExactlyAsync(buffer).AsTask().Within();
        return buffer;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
