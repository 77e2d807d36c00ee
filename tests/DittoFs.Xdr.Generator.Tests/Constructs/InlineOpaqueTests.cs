using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// Opaques of at most 64 bytes, fixed or bounded, are generated as values holding their bytes (InlineOpaque with
/// InlineBytes8 up to 8 bytes, InlineBytes16 up to 16, InlineBytes64 up to 64); longer and unbounded ones stay slices of the input. Either way the XDR bound is
/// the field's, not the inline type's capacity.
/// </summary>
public sealed class InlineOpaqueTests : CompiledXdrFixture
{
    protected override string Xdr => """
        const HANDLE_SIZE = 64;

        typedef opaque small<6>;
        typedef opaque stateid_other[12];

        struct holder {
            opaque fh<HANDLE_SIZE>;
            opaque verf[8];
            small id;
            opaque big<65>;
            opaque any<>;
            small ids<2>;
            small *maybe;
        };
        """;

    protected override string Probe => """
        public static Holder Sample() => new()
        {
            Fh = new byte[] { 1, 2, 3 },
            Verf = new byte[] { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 },
            Id = new byte[] { 0xAA },
            Big = new byte[] { 0xBB, 0xCC },
            Any = ReadOnlyMemory<byte>.Empty,
            Ids = new Small[] { new byte[] { 1 }, new byte[] { 2, 3 } },
            Maybe = new byte[] { 9, 8, 7, 6, 5, 4 },
        };

        public static byte[] Encode() => XdrCodec.Encode(Sample());

        public static string Decode(byte[] bytes)
        {
            var h = XdrCodec.Decode<Holder>(bytes);
            return string.Join(" ", Convert.ToHexString(h.Fh.Span), Convert.ToHexString(h.Verf.Span), Convert.ToHexString(h.Id.Span),
                Convert.ToHexString(h.Big.Span), Convert.ToHexString(h.Any.Span), string.Join(",", h.Ids.ToArray().Select(id => Convert.ToHexString(id.Span))),
                h.Maybe is { } maybe ? Convert.ToHexString(maybe.Span) : "none");
        }

        /// <summary>Decodes, then overwrites the input: a value held inline does not change.</summary>
        public static string DecodeThenOverwrite(byte[] bytes)
        {
            var h = XdrCodec.Decode<Holder>(bytes);
            Array.Fill(bytes, (byte)0xEE);
            return Convert.ToHexString(h.Fh.Span) + " " + Convert.ToHexString(h.Verf.Span);
        }

        public static bool DecodesEqualToSample(byte[] bytes)
        {
            var h = XdrCodec.Decode<Holder>(bytes);
            var sample = Sample();
            return h.Fh == sample.Fh && h.Verf.Equals(sample.Verf) && h.Id == sample.Id && h.Fh != new InlineOpaque<InlineBytes64>(h.Verf.Span);
        }

        public static XdrError Error(byte[] bytes) => ErrorOf<Holder>(bytes);

        public static byte[] EncodeIdOverBound() => XdrCodec.Encode(Sample() with { Id = new byte[7] });

        public static byte[] EncodeListElementOverBound() => XdrCodec.Encode(Sample() with { Ids = new Small[] { new byte[7] } });

        public static InlineOpaque<InlineBytes64> HandleOverCapacity() => new byte[65];

        public static byte[] EncodeShortFixed() => XdrCodec.Encode(Sample() with { Verf = new byte[7] });

        public static byte[] EncodeDefaultFixed() => XdrCodec.Encode(Sample() with { Verf = default });
        """;

    // fh: length 3, 1 byte of padding; verf: 8 bytes; id: length 1; big: length 2; any: empty; ids: 2 elements; maybe: present, 6 bytes.
    private const string Wire =
        "00000003 01020300 11121314 15161718 00000001 AA000000 00000002 BBCC0000 00000000 "
        + "00000002 00000001 01000000 00000002 02030000 00000001 00000006 09080706 05040000";

    [Test]
    public void Opaques_of_at_most_64_bytes_are_inline_values_and_longer_or_unbounded_ones_slices()
    {
        var holder = Compiled.Type("Holder");
        Assert.Multiple(() =>
        {
            Assert.That(holder.GetField("Fh")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes64>)));
            Assert.That(holder.GetField("Verf")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes8>)));
            Assert.That(Compiled.Type("Small").GetField("Value")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes8>)));
            Assert.That(holder.GetField("Big")!.FieldType, Is.EqualTo(typeof(ReadOnlyMemory<byte>)));
            Assert.That(holder.GetField("Any")!.FieldType, Is.EqualTo(typeof(ReadOnlyMemory<byte>)));
            Assert.That(Compiled.Type("StateidOther").GetField("Value")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes16>)), "9 to 16 bytes: the 16-byte storage");
        });
    }

    [Test]
    public void Inline_opaques_encode_like_any_opaque()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void Inline_opaques_decode_back()
    {
        Assert.That(Decode<string>("Decode", Wire), Is.EqualTo("010203 1112131415161718 AA BBCC  01,0203 090807060504"));
    }

    [Test]
    public void Inline_opaques_compare_by_their_bytes()
    {
        Assert.That(Decode<bool>("DecodesEqualToSample", Wire), Is.True);
    }

    [Test]
    public void A_decoded_inline_opaque_is_a_copy_of_the_input()
    {
        Assert.That(Decode<string>("DecodeThenOverwrite", Wire), Is.EqualTo("010203 1112131415161718"));
    }

    [Test]
    public void An_inline_opaque_longer_than_its_bound_is_refused_when_decoding()
    {
        // id (small<6>) announced with 7 bytes, which are there and fit the inline type's 8.
        string wire = "00000000 11121314 15161718 00000007 AABBCCDD EEFF1100 00000000 00000000 00000000 00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_handle_longer_than_64_bytes_is_refused_when_decoding()
    {
        string wire = "00000041 " + string.Concat(Enumerable.Repeat("00000000 ", 17)) + "11121314 15161718 00000000 00000000 00000000 00000000 00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void An_inline_opaque_longer_than_its_bound_is_refused_when_encoding()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Compiled.Call("EncodeIdOverBound"), Throws.ArgumentException);
            Assert.That(() => Compiled.Call("EncodeListElementOverBound"), Throws.ArgumentException);
            Assert.That(() => Compiled.Call("HandleOverCapacity"), Throws.ArgumentException);
        });
    }

    [Test]
    public void A_fixed_inline_opaque_must_be_given_its_exact_length()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Compiled.Call("EncodeShortFixed"), Throws.ArgumentException);
            Assert.That(() => Compiled.Call("EncodeDefaultFixed"), Throws.ArgumentException);
        });
    }
}
