using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>Behaviour of the XDR runtime that the generated codecs rely on, pinned where it was once wrong.</summary>
public class XdrRuntimeTests
{
    private static readonly Entry3[] Entries =
    [
        new Entry3 { Fileid = 10, Name = "one"u8.ToArray(), Cookie = 1 },
        new Entry3 { Fileid = 11, Name = "two"u8.ToArray(), Cookie = 2 },
    ];

    [Test]
    public void A_list_decoded_from_a_self_linked_list_encodes_as_an_array_without_link_words()
    {
        XdrList<Entry3, Entry3> built = Entries;
        var linked = Encode(built.SizeLinked(), (ref XdrWriter w) => built.WriteLinked(ref w));
        var reader = new XdrReader(linked);
        var decoded = XdrList<Entry3, Entry3>.ReadLinked(ref reader);
        Assert.That(reader.HasError, Is.False);

        var expected = Encode(built.SizeCounted(), (ref XdrWriter w) => built.WriteCounted(ref w, 10));
        Assert.That(decoded.SizeCounted(), Is.EqualTo(expected.Length));
        Assert.That(Encode(decoded.SizeCounted(), (ref XdrWriter w) => decoded.WriteCounted(ref w, 10)), Is.EqualTo(expected));
        Assert.That(Encode(decoded.SizeFixed(), (ref XdrWriter w) => decoded.WriteFixed(ref w, 2)), Is.EqualTo(expected[4..]));
    }

    [Test]
    public void A_list_decoded_from_an_array_encodes_as_a_self_linked_list_with_link_words()
    {
        XdrList<Entry3, Entry3> built = Entries;
        var counted = Encode(built.SizeCounted(), (ref XdrWriter w) => built.WriteCounted(ref w, 10));
        var reader = new XdrReader(counted);
        var decoded = XdrList<Entry3, Entry3>.ReadCounted(ref reader, 10);

        var expected = Encode(built.SizeLinked(), (ref XdrWriter w) => built.WriteLinked(ref w));
        Assert.That(decoded.SizeLinked(), Is.EqualTo(expected.Length));
        Assert.That(Encode(decoded.SizeLinked(), (ref XdrWriter w) => decoded.WriteLinked(ref w)), Is.EqualTo(expected));
    }

    [Test]
    public void An_inline_opaque_holds_a_copy_of_up_to_its_capacity_and_compares_by_its_bytes()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var value = new InlineOpaque<InlineBytes8>(bytes);
        bytes[0] = 9;
        Assert.Multiple(() =>
        {
            Assert.That(value.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }), "a copy, not a view");
            Assert.That(value, Is.EqualTo(new InlineOpaque<InlineBytes8>([1, 2, 3])));
            Assert.That(value.GetHashCode(), Is.EqualTo(new InlineOpaque<InlineBytes8>([1, 2, 3]).GetHashCode()));
            Assert.That(value, Is.Not.EqualTo(new InlineOpaque<InlineBytes8>([1, 2, 3, 0])), "the length is part of the value");
            Assert.That(value.ToString(), Is.EqualTo("010203"));
            Assert.That(default(InlineOpaque<InlineBytes64>).Length, Is.Zero);
            Assert.That(new InlineOpaque<InlineBytes64>(new byte[64]).Length, Is.EqualTo(64));
            Assert.That(() => new InlineOpaque<InlineBytes8>(new byte[9]), Throws.ArgumentException);
            Assert.That(() => new InlineOpaque<InlineBytes64>(new byte[65]), Throws.ArgumentException);
        });
    }

    [Test]
    public void Reading_an_inline_opaque_checks_the_bound_on_the_wire_and_refuses_a_bound_past_its_capacity()
    {
        byte[] sevenBytes = [0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 0];
        Assert.Multiple(() =>
        {
            var reader = new XdrReader(sevenBytes);
            Assert.That(InlineOpaque<InlineBytes8>.Read(ref reader, 8).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7 }));
            reader = new XdrReader(sevenBytes);
            InlineOpaque<InlineBytes8>.Read(ref reader, 6);
            Assert.That(reader.Error, Is.EqualTo(XdrError.LengthExceedsBound));
            Assert.That(() => { var r = new XdrReader(sevenBytes); InlineOpaque<InlineBytes8>.Read(ref r, 9); }, Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => { var r = new XdrReader(sevenBytes); InlineOpaque<InlineBytes8>.ReadFixed(ref r, 9); }, Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void A_list_over_part_of_an_array_holds_only_that_part()
    {
        var list = new XdrList<uint, XdrUInt32Codec>([1, 2, 3, 4], 2);
        Assert.That(list.ToArray(), Is.EqualTo(new uint[] { 1, 2 }));
        Assert.That(list.SizeCounted(), Is.EqualTo(12));
        Assert.That(() => new XdrList<uint, XdrUInt32Codec>([1], 2), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new XdrList<uint, XdrUInt32Codec>([1], -1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void An_encoder_whose_SizeOf_disagrees_with_Write_is_caught()
    {
        Assert.That(() => XdrCodec.Encode<uint, OversizedCodec>(7), Throws.InvalidOperationException.With.Message.Contains(nameof(OversizedCodec)));
        using var buffer = new XdrBufferWriter();
        Assert.That(() => buffer.Write<uint, OversizedCodec>(7), Throws.InvalidOperationException);
        Assert.That(buffer.WrittenCount, Is.Zero, "nothing counted as written");
    }

    [Test]
    public void The_buffer_writer_grows_keeping_what_was_written()
    {
        using var buffer = new XdrBufferWriter(16);
        for (uint i = 0; i < 1000; i++)
            buffer.Write<uint, XdrUInt32Codec>(i);
        Assert.That(buffer.WrittenCount, Is.EqualTo(4000));
        Assert.That(buffer.WrittenSpan[^4..].ToArray(), Is.EqualTo(new byte[] { 0, 0, 0x03, 0xE7 }));
        buffer.Truncate(8);
        Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }));
        Assert.That(() => buffer.Advance(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_fixed_opaque_longer_than_the_message_is_truncated()
    {
        var reader = new XdrReader(new byte[8]);
        Assert.That(reader.ReadFixedOpaque(int.MaxValue).IsEmpty);
        Assert.That(reader.Error, Is.EqualTo(XdrError.Truncated));
    }

    private delegate void WriteAction(ref XdrWriter writer);

    private static byte[] Encode(int size, WriteAction write)
    {
        var bytes = new byte[size];
        var writer = new XdrWriter(bytes);
        write(ref writer);
        Assert.That(writer.Position, Is.EqualTo(size), "SizeOf matches what was written");
        return bytes;
    }

    /// <summary>Promises 8 bytes, writes 4.</summary>
    private readonly struct OversizedCodec : IXdrCodec<uint>
    {
        public static uint Read(ref XdrReader reader) => reader.ReadUInt32();
        public static void Write(ref XdrWriter writer, in uint value) => writer.WriteUInt32(value);
        public static int SizeOf(in uint value) => 8;
    }
}
