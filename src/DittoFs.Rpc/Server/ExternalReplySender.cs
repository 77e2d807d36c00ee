using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DittoFs.Xdr;
using Microsoft.Win32.SafeHandles;

namespace DittoFs.Rpc;

/// <summary>
/// Sends a reply with an external region (<see cref="XdrBufferWriter.ReserveExternal"/>: READ data lent by a
/// content store) without first copying it into one buffer: memory pieces with one gathered <c>sendmsg</c>, file
/// pieces with <c>sendfile</c>, which hands the page cache to the socket. Linux only (<see cref="IsSupported"/>).
/// <para>
/// The socket stays non-blocking: when the kernel has no room, the next piece (at most
/// <see cref="FallbackSize"/> bytes of it) goes through the socket's own <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>,
/// which waits for room without holding a thread; then gathered sending resumes. A file that has become shorter
/// than its piece (truncated after the READ) is sent as zeros past its end, so the record keeps its length.
/// </para>
/// One per connection, used by its write loop only.
/// </summary>
internal sealed class ExternalReplySender : IDisposable
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
    private readonly List<XdrExternalBytes> _pieces = [];
    private byte[]? _fileBytes;
    private bool _disposed;

    public ExternalReplySender(Socket socket) => _socket = socket;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Sends the whole reply: the buffer before the region, the region's pieces, the buffer after it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(XdrBufferWriter reply)
    {
        var pieces = Arrange(reply);
        int index = 0;
        int within = 0; // bytes of pieces[index] already sent
        while (index < pieces.Count)
        {
            var piece = pieces[index];
            long sent = piece.File is null ? TrySendMemory(index, within) : TrySendFile(piece, within);
            if (sent < 0)
            {
                // No room (or, for a file, nothing left to read): the socket's own send waits for room.
                var bytes = sent == long.MinValue ? Zeros(piece.Length - within) : Fallback(piece, within);
                await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
                sent = bytes.Length;
            }
            Advance(pieces, ref index, ref within, sent);
        }
        _pieces.Clear();
    }

    /// <summary>The reply as pieces in order: the buffer around the external region as memory pieces.</summary>
    private List<XdrExternalBytes> Arrange(XdrBufferWriter reply)
    {
        _pieces.Clear();
        var written = reply.WrittenMemory;
        int start = reply.ExternalStart;
        int end = start + reply.ExternalLength;
        _pieces.Add(new XdrExternalBytes(written[..start], null, 0, start));
        foreach (var piece in reply.ExternalPieces)
            _pieces.Add(piece);
        if (end < written.Length)
            _pieces.Add(new XdrExternalBytes(written[end..], null, 0, written.Length - end));
        return _pieces;
    }

    private static void Advance(List<XdrExternalBytes> pieces, ref int index, ref int within, long sent)
    {
        while (sent > 0)
        {
            long left = pieces[index].Length - within;
            if (sent < left)
            {
                within += (int)sent;
                return;
            }
            sent -= left;
            index++;
            within = 0;
        }
        // A piece of zero length (an empty buffer head) is passed over without sending.
        while (index < pieces.Count && pieces[index].Length == within)
        {
            index++;
            within = 0;
        }
    }

    /// <summary>One non-blocking sendmsg of the memory pieces from <paramref name="first"/> up to the next file piece; -1 without room.</summary>
    private unsafe long TrySendMemory(int first, int within)
    {
        int count = 0;
        bool more = false;
        bool added = false;
        var socket = _socket.SafeHandle;
        try
        {
            for (int i = first; i < _pieces.Count && count < MaxVectors; i++)
            {
                var piece = _pieces[i];
                if (piece.File is not null)
                {
                    more = true;
                    break;
                }
                var memory = i == first ? piece.Memory[within..] : piece.Memory;
                _pins[count] = memory.Pin();
                _vectors[count] = new IoVector { Base = _pins[count].Pointer, Length = (nuint)memory.Length };
                count++;
                more = i + 1 < _pieces.Count;
            }
            var message = new MessageHeader { Vectors = _vectors, VectorCount = (nuint)count };
            // The reference keeps the descriptor from being closed (and its number reused) during the call.
            socket.DangerousAddRef(ref added);
            int fd = (int)socket.DangerousGetHandle();
            int flags = MsgDontWait | MsgNoSignal | (more ? MsgMore : 0);
            long sent;
            do
            {
                sent = SendMessage(fd, &message, flags);
            }
            while (Retry(sent));
            return sent;
        }
        finally
        {
            if (added)
                socket.DangerousRelease();
            for (int i = 0; i < count; i++)
                _pins[i].Dispose();
        }
    }

    /// <summary>
    /// One sendfile of the rest of a file piece (the socket is non-blocking); -1 without room,
    /// <see cref="long.MinValue"/> when the file ends before the piece does.
    /// </summary>
    private unsafe long TrySendFile(XdrExternalBytes piece, int within)
    {
        var file = piece.File!;
        var socket = _socket.SafeHandle;
        bool fileAdded = false;
        bool socketAdded = false;
        try
        {
            file.DangerousAddRef(ref fileAdded);
            socket.DangerousAddRef(ref socketAdded);
            int fd = (int)socket.DangerousGetHandle();
            int fileFd = (int)file.DangerousGetHandle();
            long offset = piece.FileOffset + within;
            long sent;
            do
            {
                sent = SendFile(fd, fileFd, &offset, (nuint)(piece.Length - within));
            }
            while (Retry(sent));
            return sent == 0 ? long.MinValue : sent;
        }
        finally
        {
            if (socketAdded)
                socket.DangerousRelease();
            if (fileAdded)
                file.DangerousRelease();
        }
    }

    /// <summary>True to repeat an interrupted call; throws for a failure other than no room (-1 stays).</summary>
    private static bool Retry(long result)
    {
        if (result >= 0)
            return false;
        int errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            EIntr => true,
            EAgain => false,
            _ => throw new SocketException(errno),
        };
    }

    /// <summary>The next bytes of a piece for the socket's own send: memory as it is, a file's read into a buffer (zeros past its end).</summary>
    private ReadOnlyMemory<byte> Fallback(XdrExternalBytes piece, int within)
    {
        int length = Math.Min(piece.Length - within, FallbackSize);
        if (piece.File is null)
            return piece.Memory.Slice(within, length);
        var bytes = (_fileBytes ??= GC.AllocateUninitializedArray<byte>(FallbackSize)).AsMemory(0, length);
        new XdrExternalBytes(default, piece.File, piece.FileOffset + within, length).CopyTo(bytes.Span);
        return bytes;
    }

    private ReadOnlyMemory<byte> Zeros(int count)
    {
        var bytes = (_fileBytes ??= GC.AllocateUninitializedArray<byte>(FallbackSize)).AsMemory(0, Math.Min(count, FallbackSize));
        bytes.Span.Clear();
        return bytes;
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

    [DllImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static extern unsafe nint SendMessage(int socket, MessageHeader* message, int flags);

    [DllImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    private static extern unsafe nint SendFile(int outFd, int inFd, long* offset, nuint count);
}
