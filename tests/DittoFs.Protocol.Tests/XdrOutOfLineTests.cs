using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// An opaque sent out of line (<see cref="XdrBufferWriter.SendOutOfLine"/>): found by the identity of its memory, its
/// bytes left out of the buffer and everything around them encoded, so that sending the buffer with the bytes put
/// back where <see cref="XdrBufferWriter.OutOfLineAt"/> says (or <see cref="XdrBufferWriter.MoveInline"/>) gives
/// exactly what a copied opaque would.
/// </summary>
public class XdrOutOfLineTests
{
    [Test]
    public void The_bytes_put_back_where_they_belong_give_what_a_copied_opaque_would()
    {
        var data = new byte[] { 1, 2, 13, 14, 15, 16, 0, 0, 9 };
        using var writer = new XdrBufferWriter();
        writer.Write<uint, XdrUInt32Codec>(7);
        writer.SendOutOfLine(data);
        writer.Write<Carrier, Carrier>(new Carrier { Data = data, After = 5 });

        Assert.That((writer.OutOfLineAt, writer.OutOfLineLength), Is.EqualTo((8, 9)));
        byte[] sent = [.. writer.WrittenSpan[..writer.OutOfLineAt], .. data, .. writer.WrittenSpan[writer.OutOfLineAt..]];
        byte[] copied = [0, 0, 0, 7, 0, 0, 0, 9, 1, 2, 13, 14, 15, 16, 0, 0, 9, 0, 0, 0, 0, 0, 0, 5];
        Assert.That(sent, Is.EqualTo(copied));

        data.CopyTo(writer.MoveInline());

        Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(copied));
        Assert.That(writer.HasOutOfLine, Is.False);
    }

    [Test]
    public void Equal_bytes_in_other_memory_are_not_the_opaque_and_are_refused()
    {
        var data = new byte[] { 1, 2, 3, 4 };
        using var writer = new XdrBufferWriter();
        writer.SendOutOfLine(data);

        Assert.Throws<InvalidOperationException>(() => writer.Write<Carrier, Carrier>(new Carrier { Data = (byte[])data.Clone() }));
        Assert.Throws<InvalidOperationException>(() => writer.Write<Carrier, Carrier>(new Carrier { Data = data.AsMemory(0, 3) }));
        Assert.That(writer.WrittenCount, Is.EqualTo(0));
        Assert.That(writer.HasOutOfLine, Is.False);
    }

    [Test]
    public void A_value_that_does_not_carry_the_opaque_is_refused_even_without_room_for_it()
    {
        var data = new byte[4000];
        using var writer = new XdrBufferWriter(16);
        writer.SendOutOfLine(data);

        Assert.Throws<InvalidOperationException>(() => writer.Write<Carrier, Carrier>(new Carrier { Data = new byte[4000] }));
        Assert.That(writer.WrittenCount, Is.EqualTo(0));
    }

    [Test]
    public void The_buffer_makes_no_room_for_the_bytes_it_leaves_out()
    {
        var data = new byte[1 << 20];
        using var writer = new XdrBufferWriter(64);
        writer.SendOutOfLine(data);

        writer.Write<Carrier, Carrier>(new Carrier { Data = data });

        Assert.That(writer.WrittenCount, Is.EqualTo(8));
        Assert.That(writer.GetMemory().Length, Is.LessThan(4096), "the buffer stayed small");
        Assert.That(writer.OutOfLineLength, Is.EqualTo(1 << 20));
    }

    [Test]
    public void Truncating_to_before_the_bytes_forgets_them_and_after_them_keeps_them()
    {
        var data = new byte[6];
        using var writer = new XdrBufferWriter();
        writer.Write<uint, XdrUInt32Codec>(1);
        writer.SendOutOfLine(data);
        writer.Write<Carrier, Carrier>(new Carrier { Data = data, After = 2 });

        writer.Truncate(12);
        Assert.That((writer.OutOfLineAt, writer.OutOfLineLength), Is.EqualTo((8, 6)));

        writer.Truncate(8);
        Assert.That((writer.HasOutOfLine, writer.OutOfLineLength), Is.EqualTo((false, 0)));
        writer.Write<Carrier, Carrier>(new Carrier { Data = (byte[])data.Clone() });
        Assert.That(writer.WrittenCount, Is.EqualTo(8 + 4 + 8 + 4), "later values are encoded whole");
    }

    [Test]
    public void One_opaque_per_output_and_clearing_forgets_it()
    {
        var data = new byte[4];
        using var writer = new XdrBufferWriter();
        writer.SendOutOfLine(data);
        writer.Write<Carrier, Carrier>(new Carrier { Data = data });

        Assert.Throws<InvalidOperationException>(() => writer.SendOutOfLine(new byte[4]));
        writer.Clear();
        Assert.That((writer.HasOutOfLine, writer.OutOfLineLength), Is.EqualTo((false, 0)));
        writer.Write<Carrier, Carrier>(new Carrier { Data = data });
        Assert.That(writer.WrittenCount, Is.EqualTo(12));
    }

    /// <summary>An opaque with a word after it.</summary>
    private struct Carrier : IXdrCodec<Carrier>
    {
        public ReadOnlyMemory<byte> Data;
        public uint After;

        public static Carrier Read(ref XdrReader reader) => new() { Data = reader.ReadOpaque(uint.MaxValue), After = reader.ReadUInt32() };

        public static void Write(ref XdrWriter writer, in Carrier value)
        {
            writer.WriteOpaque(value.Data.Span, uint.MaxValue);
            writer.WriteUInt32(value.After);
        }

        public static int SizeOf(in Carrier value) => XdrSize.Opaque(value.Data.Length) + 4;
    }
}
