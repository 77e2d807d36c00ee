using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>
/// A borrower that keeps what a lending store hands it, as a reply does until it is sent: memory pieces as lent,
/// file pieces as ranges read only when the bytes are materialised (zeros past the file's end, as a send gives).
/// </summary>
public sealed class CollectingBorrower : IContentBorrower
{
    private readonly List<Piece> _pieces = [];
    private readonly List<IDisposable> _loans = [];
    private bool _returned;

    /// <summary>A lent piece at <see cref="Position"/> in the lent range: memory, or a range of an open file.</summary>
    public sealed record Piece(int Position, int Length, ReadOnlyMemory<byte> Memory, SafeFileHandle? File, long FileOffset)
    {
        public bool IsFile => File is not null;
    }

    public IReadOnlyList<Piece> Pieces => _pieces;

    public IReadOnlyList<IDisposable> Loans => _loans;

    /// <summary>Bytes borrowed so far, all pieces together.</summary>
    public int Length { get; private set; }

    public void Borrow(ReadOnlyMemory<byte> bytes)
    {
        Assert.That(_returned, Is.False, "borrowed after the loans were returned");
        Assert.That(bytes.Length, Is.Positive, "an empty piece");
        _pieces.Add(new Piece(Length, bytes.Length, bytes, null, 0));
        Length += bytes.Length;
    }

    public void Borrow(SafeFileHandle file, long offset, int length)
    {
        Assert.That(_returned, Is.False, "borrowed after the loans were returned");
        Assert.That(file.IsInvalid || file.IsClosed, Is.False, "a file that is not open");
        Assert.That(offset, Is.Not.Negative);
        Assert.That(length, Is.Positive, "an empty piece");
        _pieces.Add(new Piece(Length, length, default, file, offset));
        Length += length;
    }

    public void Hold(IDisposable loan)
    {
        Assert.That(_returned, Is.False, "a loan held after the loans were returned");
        Assert.That(_loans, Has.None.SameAs(loan), "the same loan handed twice would be returned twice");
        _loans.Add(loan);
    }

    /// <summary>All the borrowed bytes in order, file pieces read now.</summary>
    public byte[] Materialise()
    {
        var bytes = new byte[Length];
        foreach (var piece in _pieces)
        {
            Materialise(piece, bytes.AsSpan(piece.Position, piece.Length));
        }
        return bytes;
    }

    /// <summary>The memory pieces' bytes now, each with its position in the lent range.</summary>
    public IEnumerable<(int Position, byte[] Bytes)> MemoryPieces() =>
        _pieces.Where(p => !p.IsFile).Select(p => (p.Position, p.Memory.ToArray()));

    /// <summary>Returns every loan, once, as a sent reply does; the pieces must not be used afterwards.</summary>
    public void Return()
    {
        Assert.That(_returned, Is.False, "the loans were returned already");
        _returned = true;
        foreach (var loan in _loans)
        {
            loan.Dispose();
        }
    }

    private static void Materialise(Piece piece, Span<byte> destination)
    {
        if (!piece.IsFile)
        {
            piece.Memory.Span.CopyTo(destination);
            return;
        }
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(piece.File!, destination[total..], piece.FileOffset + total);
            if (read == 0)
            {
                break; // the file has become shorter: the rest is sent as zeros
            }
            total += read;
        }
        destination[total..].Clear();
    }
}
