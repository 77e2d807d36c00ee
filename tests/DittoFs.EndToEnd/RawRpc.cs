using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DittoFs.EndToEnd;

/// <summary>
/// RPC over a raw socket, encoded by hand from RFC 5531 (independently of the project's codec), so tests can
/// send exactly the bytes they mean, including malformed ones.
/// </summary>
internal sealed class RawRpc : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client = new();
    private readonly NetworkStream _stream;

    public RawRpc(int port)
    {
        _client.Connect(IPAddress.Loopback, port);
        _client.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        _stream = _client.GetStream();
    }

    /// <summary>A CALL message body (no record mark): xid, CALL, rpcvers, prog, vers, proc, cred, verf, args.</summary>
    public static byte[] Call(uint xid, uint program, uint version, uint procedure, uint rpcVersion = 2, uint credFlavor = 0, byte[]? credBody = null, byte[]? arguments = null)
    {
        var words = new List<byte>();
        void Word(uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            words.AddRange(bytes);
        }
        Word(xid);
        Word(0); // CALL
        Word(rpcVersion);
        Word(program);
        Word(version);
        Word(procedure);
        Word(credFlavor);
        credBody ??= [];
        Word((uint)credBody.Length);
        words.AddRange(credBody);
        words.AddRange(new byte[(4 - credBody.Length % 4) % 4]);
        Word(0); // verifier AUTH_NONE
        Word(0);
        words.AddRange(arguments ?? []);
        return words.ToArray();
    }

    /// <summary>An AUTH_SYS credential body (RFC 5531 appendix A).</summary>
    public static byte[] AuthSys(uint uid, uint gid)
    {
        var body = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(0), 0);     // stamp
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), 0);     // machinename: empty
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(8), uid);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(12), gid);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(16), 0);    // no gids
        return body;
    }

    /// <summary>Sends one record as a single last fragment.</summary>
    public void SendRecord(byte[] message)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | (uint)message.Length);
        _stream.Write(header);
        _stream.Write(message);
    }

    public void SendRaw(byte[] bytes) => _stream.Write(bytes);

    /// <summary>Reads one reply record, or null if the server closed the connection.</summary>
    public byte[]? ReceiveRecord()
    {
        var record = new List<byte>();
        while (true)
        {
            var header = ReadExactly(4);
            if (header is null)
                return null;
            uint mark = BinaryPrimitives.ReadUInt32BigEndian(header);
            var fragment = ReadExactly((int)(mark & 0x7FFF_FFFF));
            if (fragment is null)
                return null;
            record.AddRange(fragment);
            if ((mark & 0x8000_0000) != 0)
                return record.ToArray();
        }
    }

    /// <summary>True if the server closes the connection (reads end) within the timeout.</summary>
    public bool IsClosedByServer()
    {
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                int read = _stream.Read(buffer);
                if (read == 0)
                    return true;
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            return false; // still open after the timeout
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    private byte[]? ReadExactly(int count)
    {
        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int read;
            try
            {
                read = _stream.Read(buffer, done, count - done);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0)
                return null;
            done += read;
        }
        return buffer;
    }

    public static uint Word(byte[] reply, int index) => BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(index * 4));

    public void Dispose() => _client.Dispose();
}
