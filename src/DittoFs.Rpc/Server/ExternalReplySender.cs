using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DittoFs.Rpc;

/// <summary>
/// Sends a reply with out-of-line data (<see cref="ReplyData"/>: READ data read into the reply's own buffer or lent
/// by a content store) without first copying it into one buffer: the encoded message around the data and the data's
/// pieces go out with gathered <c>sendmsg</c> calls, so the kernel's copy into the socket is the only one. Linux only
/// (<see cref="IsSupported"/>).
/// <para>
/// The socket stays non-blocking: when the kernel has no room, the next piece (at most
/// <see cref="FallbackSize"/> bytes of it) goes through the socket's own
/// <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>, which waits for room
/// without holding a thread; then gathered sending resumes where it stopped.
/// </para>
/// One per connection, used by its write loop only.
/// </summary>
internal sealed partial class ExternalReplySender : IDisposable
{
    private const int FallbackSize = 64 * 1024;
    private const int MaxVectors = 64;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int MsgMore = 0x8000;
    private const int EAgain = 11;
    private const int EIntr = 4;

    private readonly Socket _socket;
    private readonly unsafe IoVector* _vectors = (IoVector*)NativeMemory.Alloc(MaxVectors, (nuint)sizeof(IoVector));
    private readonly MemoryHandle[] _pins = new MemoryHandle[MaxVectors];
    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private bool _disposed;

    public ExternalReplySender(Socket socket) => _socket = socket;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Sends the whole reply: the message before the data, the data's pieces, the message after it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReplyData reply)
    {
        Arrange(reply);
        int index = 0;
        int within = 0; // bytes of _pieces[index] already sent
        while (index < _pieces.Count)
        {
            long sent = TrySend(index, within);
            if (sent < 0)
            {
                // No room: the socket's own send waits for it.
                var bytes = _pieces[index].Slice(within, Math.Min(_pieces[index].Length - within, FallbackSize));
                sent = await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            }
            Advance(ref index, ref within, sent);
        }
        _pieces.Clear();
    }

    /// <summary>The reply as pieces in order: the message around the data, and the data's pieces.</summary>
    private void Arrange(ReplyData reply)
    {
        _pieces.Clear();
        var message = reply.Message.WrittenMemory;
        int at = reply.Message.OutOfLineAt;
        _pieces.Add(message[..at]);
        foreach (var piece in reply.Pieces)
            _pieces.Add(piece);
        if (at < message.Length)
            _pieces.Add(message[at..]);
    }

    private void Advance(ref int index, ref int within, long sent)
    {
        while (index < _pieces.Count && sent >= _pieces[index].Length - within)
        {
            sent -= _pieces[index].Length - within;
            index++;
            within = 0;
        }
        within += (int)sent;
    }

    /// <summary>One non-blocking sendmsg of as many pieces as fit its vector, from <paramref name="first"/>; -1 without room.</summary>
    private unsafe long TrySend(int first, int within)
    {
        int count = 0;
        bool added = false;
        var socket = _socket.SafeHandle;
        try
        {
            for (int i = first; i < _pieces.Count && count < MaxVectors; i++)
            {
                var memory = i == first ? _pieces[i][within..] : _pieces[i];
                _pins[count] = memory.Pin();
                _vectors[count] = new IoVector { Base = _pins[count].Pointer, Length = (nuint)memory.Length };
                count++;
            }
            var message = new MessageHeader { Vectors = _vectors, VectorCount = (nuint)count };
            // More to come: let TCP fill whole segments across the calls of one reply.
            int flags = MsgDontWait | MsgNoSignal | (first + count < _pieces.Count ? MsgMore : 0);
            // The reference keeps the descriptor from being closed (and its number reused) during the call.
            socket.DangerousAddRef(ref added);
            int fd = (int)socket.DangerousGetHandle();
            while (true)
            {
                long sent = SendMessage(fd, &message, flags);
                if (sent >= 0)
                    return sent;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EAgain)
                    return -1;
                if (errno != EIntr)
                    throw new SocketException(errno);
            }
        }
        finally
        {
            if (added)
                socket.DangerousRelease();
            for (int i = 0; i < count; i++)
                _pins[i].Dispose();
        }
    }

    public unsafe void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        NativeMemory.Free(_vectors);
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMessage(int socket, MessageHeader* message, int flags);
}
