using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// An output's external region (<see cref="XdrBufferWriter.ReserveExternal"/>): bytes sent from where they lie,
/// which a copy into the buffer (<see cref="XdrBufferWriter.Internalize"/>) must reproduce exactly, and loans
/// returned whenever the region goes away.
/// </summary>
public class XdrExternalRegionTests
{
    [Test]
    public void Internalized_pieces_give_the_bytes_a_copied_opaque_would()
    {
        using var writer = new XdrBufferWriter();
        writer.Write<uint, XdrUInt32Codec>(7);
        var data = writer.ReserveExternal(4, 9);
        writer.AddExternal(new byte[] { 1, 2 });
        writer.AddExternal(new byte[] { 13, 14, 15, 16 });
        writer.AddExternalZeros(3);
        writer.Write<ReadOnlyMemory<byte>, Opaque>(data);

        writer.Internalize();

        Assert.That(writer.ExternalStart, Is.EqualTo(-1));
        Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(new byte[]
        {
            0, 0, 0, 7, 0, 0, 0, 9, 1, 2, 13, 14, 15, 16, 0, 0, 0, 0, 0, 0,
        }));
    }

    [Test]
    public void Truncating_into_the_region_drops_it_and_returns_its_loans_once()
    {
        using var writer = new XdrBufferWriter();
        writer.Write<uint, XdrUInt32Codec>(1);
        var loan = new Loan();
        writer.ReserveExternal(0, 8);
        writer.HoldLoan(loan);
        writer.AddExternalZeros(8);

        writer.Truncate(4);
        writer.Clear();

        Assert.That(loan.Disposals, Is.EqualTo(1));
        Assert.That(writer.ExternalStart, Is.EqualTo(-1));
    }

    [Test]
    public void Truncating_after_the_region_keeps_it()
    {
        using var writer = new XdrBufferWriter();
        var data = writer.ReserveExternal(4, 4);
        writer.AddExternalZeros(4);
        writer.Write<ReadOnlyMemory<byte>, Opaque>(data);
        writer.Write<uint, XdrUInt32Codec>(5);

        writer.Truncate(8);

        Assert.That(writer.ExternalStart, Is.EqualTo(4));
        Assert.That(writer.ExternalComplete);
    }

    [Test]
    public void Clearing_returns_the_loans()
    {
        var writer = new XdrBufferWriter();
        var loan = new Loan();
        writer.ReserveExternal(0, 4);
        writer.HoldLoan(loan);

        writer.Clear();
        writer.Dispose();

        Assert.That(loan.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void Pieces_beyond_the_region_and_a_second_region_are_refused()
    {
        using var writer = new XdrBufferWriter();
        writer.ReserveExternal(0, 4);
        writer.AddExternal(new byte[3]);

        Assert.Throws<InvalidOperationException>(() => writer.AddExternal(new byte[2]));
        Assert.Throws<InvalidOperationException>(() => writer.ReserveExternal(0, 4));
        Assert.That(writer.ExternalComplete, Is.False);
        Assert.Throws<InvalidOperationException>(writer.Internalize);
    }

    [Test]
    public void A_loan_without_a_region_is_returned_at_once_and_refused()
    {
        using var writer = new XdrBufferWriter();
        var loan = new Loan();

        Assert.Throws<InvalidOperationException>(() => writer.HoldLoan(loan));
        Assert.That(loan.Disposals, Is.EqualTo(1));
    }

    private readonly struct Opaque : IXdrCodec<ReadOnlyMemory<byte>>
    {
        public static ReadOnlyMemory<byte> Read(ref XdrReader reader) => reader.ReadOpaque(uint.MaxValue);
        public static void Write(ref XdrWriter writer, in ReadOnlyMemory<byte> value) => writer.WriteOpaque(value.Span, uint.MaxValue);
        public static int SizeOf(in ReadOnlyMemory<byte> value) => XdrSize.Opaque(value.Length);
    }

    private sealed class Loan : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }
}
