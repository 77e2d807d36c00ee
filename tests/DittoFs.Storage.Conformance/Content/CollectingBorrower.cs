using NUnit.Framework;

namespace DittoFs.Storage.Conformance;

/// <summary>A borrower that keeps what a lending store hands it, as a reply does until it is sent.</summary>
public sealed class CollectingBorrower : IContentBorrower
{
    private readonly List<ReadOnlyMemory<byte>> _pieces = [];
    private readonly List<IDisposable> _loans = [];
    private bool _returned;

    public IReadOnlyList<IDisposable> Loans => _loans;

    /// <summary>Bytes borrowed so far, all pieces together.</summary>
    public int Length { get; private set; }

    public void Borrow(ReadOnlyMemory<byte> bytes)
    {
        Assert.That(_returned, Is.False, "borrowed after the loans were returned");
        Assert.That(bytes.Length, Is.Positive, "an empty piece");
        _pieces.Add(bytes);
        Length += bytes.Length;
    }

    public void Hold(IDisposable loan)
    {
        Assert.That(_returned, Is.False, "a loan held after the loans were returned");
        Assert.That(_loans, Has.None.SameAs(loan), "the same loan handed twice would be returned twice");
        _loans.Add(loan);
    }

    /// <summary>All the borrowed bytes in order, as they are now.</summary>
    public byte[] Materialise() => [.. _pieces.SelectMany(piece => piece.ToArray())];

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
}
