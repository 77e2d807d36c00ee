using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using DittoFs.Xdr;

namespace DittoFs.Rpc;

/// <summary>
/// The out-of-line data of one reply: bulk bytes (a READ's) that the encoded result carries as an opaque but that are
/// sent from where they lie instead of being copied into the reply buffer. A service reaches it through
/// <see cref="RpcCallContext.ReplyData"/> and produces the bytes in one of two ways: it reads them into a buffer the
/// reply owns (<see cref="Buffer"/>), or it hands over memory a store lends (<see cref="Add"/>, <see cref="AddZeros"/>),
/// with the loans that keep that memory unchanged (<see cref="Hold"/>). Either way it then puts <see cref="Opaque"/> in
/// its result where the data goes; the encoder recognises that memory by reference and leaves its bytes out
/// (<see cref="XdrBufferWriter.SendOutOfLine"/>), so the service never needs to know where in the reply they land.
/// <para>
/// The RPC layer sends the reply around the data and the data from where it lies (gathered <c>sendmsg</c>), or copies
/// the data in (<see cref="Inline"/>) where one buffer is wanted: small data, a reply the duplicate request cache
/// keeps, a platform without gathered sends. The buffer is free again and each loan is disposed exactly once: after the
/// reply is sent, when the data is copied in or dropped, or when the call fails or is dropped.
/// </para>
/// <para>
/// A service that produced data returns a result that carries it, or <see cref="Drop"/>s it (an error result instead);
/// data the result does not carry makes the call a SYSTEM_ERR. One data region per reply.
/// </para>
/// </summary>
public sealed class ReplyData : IDisposable
{
    // Zeros to send for what a store does not have, and the stand-in that a result carries for lent bytes (never sent).
    private static byte[] s_zeros = GC.AllocateArray<byte>(1 << 20, pinned: true);

    private readonly XdrBufferWriter _message;
    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private readonly List<IDisposable> _loans = [];
    private byte[] _buffer = [];
    private bool _readIntoBuffer;
    private ReadOnlyMemory<byte> _opaque;

    /// <summary>The data of the reply whose encoded message (record mark, header, result) goes into <paramref name="message"/>.</summary>
    public ReplyData(XdrBufferWriter message) => _message = message;

    /// <summary>How many bytes of data the reply has.</summary>
    public int Length => _opaque.Length;

    /// <summary>
    /// What the result carries where the data goes, as an opaque's bytes: the memory <see cref="Buffer"/> returned, or
    /// for lent bytes a stand-in of their length whose own bytes are never sent (read it once the last bytes are
    /// added). Empty without data.
    /// </summary>
    public ReadOnlyMemory<byte> Opaque => _opaque;

    /// <summary>Whether the encoded message carries the data (or there is none): the reply is then complete.</summary>
    public bool IsCarried => _opaque.IsEmpty || _message.HasOutOfLine;

    /// <summary>
    /// A buffer of exactly <paramref name="length"/> bytes that the reply owns, to read the data into; it is
    /// <see cref="Opaque"/> and is sent from where it lies. Valid until the reply is done with it; the array is
    /// rented from the shared pool and kept for the next replies (the RPC layer pools replies, so that READs need
    /// no new array each), returned when the data is disposed or needs a larger one.
    /// </summary>
    public Memory<byte> Buffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ThrowIfStarted();
        if (length == 0)
            return Memory<byte>.Empty;
        if (_buffer.Length < length)
        {
            var smaller = _buffer;
            _buffer = ArrayPool<byte>.Shared.Rent(length);
            if (smaller.Length > 0)
                ArrayPool<byte>.Shared.Return(smaller);
        }
        _readIntoBuffer = true;
        var memory = _buffer.AsMemory(0, length);
        _pieces.Add(memory);
        SetOpaque(memory);
        return memory;
    }

    /// <summary>Appends bytes in memory that stay unchanged until the loans are returned (see <see cref="Hold"/>).</summary>
    public void Add(ReadOnlyMemory<byte> bytes)
    {
        if (_readIntoBuffer)
            throw new InvalidOperationException("The data was read into the reply's buffer; lent bytes cannot follow.");
        if (!bytes.IsEmpty)
            AddPiece(bytes);
    }

    /// <summary>Appends <paramref name="count"/> zero bytes (what a store does not have).</summary>
    public void AddZeros(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        while (count > 0)
        {
            var zeros = Volatile.Read(ref s_zeros);
            int piece = Math.Min(count, zeros.Length);
            Add(zeros.AsMemory(0, piece));
            count -= piece;
        }
    }

    /// <summary>Holds a loan that keeps added bytes valid; disposed exactly once, when the reply is done with them.</summary>
    public void Hold(IDisposable loan)
    {
        ArgumentNullException.ThrowIfNull(loan);
        _loans.Add(loan);
    }

    /// <summary>
    /// Keeps the first <paramref name="length"/> bytes of the data (a read into <see cref="Buffer"/> that found fewer
    /// bytes than it asked for); <see cref="Opaque"/> shrinks with it.
    /// </summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        if (_message.HasOutOfLine)
            throw new InvalidOperationException("The encoded message already carries the data.");
        int kept = 0;
        int piece = 0;
        while (piece < _pieces.Count && kept + _pieces[piece].Length <= length)
            kept += _pieces[piece++].Length;
        if (kept < length)
        {
            _pieces[piece] = _pieces[piece][..(length - kept)];
            piece++;
        }
        _pieces.RemoveRange(piece, _pieces.Count - piece);
        SetOpaque(length == 0 ? default : _readIntoBuffer ? _buffer.AsMemory(0, length) : StandIn(length));
    }

    /// <summary>Forgets the data, freeing its buffer and returning its loans: the service answers without it (an error result).</summary>
    public void Drop()
    {
        if (_message.HasOutOfLine)
            throw new InvalidOperationException("The encoded message carries the data; it must be truncated first.");
        _message.SendOutOfLine(default);
        Release();
    }

    /// <summary>
    /// Copies the data into the encoded message where its result carries it, then frees the buffer and returns the loans:
    /// the message is then the whole reply, in one buffer. Data the message does not carry is dropped.
    /// </summary>
    public void Inline()
    {
        if (_message.HasOutOfLine)
        {
            var destination = _message.MoveInline();
            foreach (var piece in _pieces)
            {
                piece.Span.CopyTo(destination);
                destination = destination[piece.Length..];
            }
        }
        else
        {
            _message.SendOutOfLine(default);
        }
        Release();
    }

    /// <summary>The message the data belongs in.</summary>
    internal XdrBufferWriter Message => _message;

    /// <summary>The data's pieces in order, adding up to <see cref="Length"/>.</summary>
    internal ReadOnlySpan<ReadOnlyMemory<byte>> Pieces => CollectionsMarshal.AsSpan(_pieces);

    private void AddPiece(ReadOnlyMemory<byte> piece)
    {
        if (_message.HasOutOfLine)
            throw new InvalidOperationException("The encoded message already carries the data.");
        _pieces.Add(piece);
        SetOpaque(StandIn(_opaque.Length + piece.Length));
    }

    private void SetOpaque(ReadOnlyMemory<byte> opaque)
    {
        _opaque = opaque;
        _message.SendOutOfLine(opaque);
    }

    private void ThrowIfStarted()
    {
        if (_readIntoBuffer || _pieces.Count > 0)
            throw new InvalidOperationException("One data region per reply.");
    }

    /// <summary>Zeros of <paramref name="length"/> bytes, at the start of the shared array (grown when too short).</summary>
    private static ReadOnlyMemory<byte> StandIn(int length)
    {
        var zeros = Volatile.Read(ref s_zeros);
        if (zeros.Length < length)
        {
            // Rare (transfers above 1 MiB): replies holding the shorter array keep it alive.
            zeros = GC.AllocateArray<byte>((int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)length), (uint)Array.MaxLength), pinned: true);
            Volatile.Write(ref s_zeros, zeros);
        }
        return zeros.AsMemory(0, length);
    }

    private void Release()
    {
        _pieces.Clear();
        _opaque = default;
        _readIntoBuffer = false;
        try
        {
            // Loans return memory or a lease; they do not throw, and if one did the rest are still forgotten.
            foreach (var loan in _loans)
                loan.Dispose();
        }
        finally
        {
            _loans.Clear();
        }
    }

    /// <summary>Returns the loans and the buffer's array; the message is its owner's to dispose.</summary>
    public void Dispose()
    {
        Release();
        ReleaseBuffer();
    }

    /// <summary>
    /// Returns the buffer's array if it is longer than <paramref name="kept"/> (<see cref="Buffer"/> rents one again); only
    /// once the data is dropped or sent.
    /// </summary>
    internal void ReleaseBuffer(int kept = 0)
    {
        var buffer = _buffer;
        if (buffer.Length <= kept)
            return;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
