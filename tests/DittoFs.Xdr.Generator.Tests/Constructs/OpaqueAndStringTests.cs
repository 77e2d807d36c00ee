using System.Runtime.InteropServices;
using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// Fixed and variable opaque data and strings (RFC 4506 §4.9-4.11). Strings and opaques over 64 bytes or unbounded
/// decode as slices of the input; opaques of at most 64 bytes are held inline (<see cref="InlineOpaqueTests"/>).
/// </summary>
public sealed class OpaqueAndStringTests : CompiledXdrFixture
{
    protected override string Xdr => """
        const VERF_SIZE = 5;

        struct blobs {
            opaque verf[VERF_SIZE];
            opaque small<4>;
            opaque any<>;
            string name<>;
            string short_name<3>;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Blobs
        {
            Verf = new byte[] { 1, 2, 3, 4, 5 },
            Small = new byte[] { 0xAA, 0xBB },
            Any = ReadOnlyMemory<byte>.Empty,
            Name = "hi"u8.ToArray(),
            ShortName = "abc"u8.ToArray(),
        });

        public static string Decode(byte[] bytes)
        {
            var b = XdrCodec.Decode<Blobs>(bytes);
            return string.Join(" ", Convert.ToHexString(b.Verf.Span), Convert.ToHexString(b.Small.Span),
                Convert.ToHexString(b.Any.Span), Convert.ToHexString(b.Name.Span), Convert.ToHexString(b.ShortName.Span));
        }

        public static ReadOnlyMemory<byte> DecodeName(byte[] bytes) => XdrCodec.Decode<Blobs>(bytes).Name;

        public static XdrError Error(byte[] bytes) => ErrorOf<Blobs>(bytes);

        public static byte[] EncodeWrongFixedLength() => XdrCodec.Encode(new Blobs { Verf = new byte[4] });

        public static byte[] EncodeOverBound() => XdrCodec.Encode(new Blobs { Verf = new byte[5], Small = new byte[5] });
        """;

    // verf: 5 bytes, 3 of padding; small: length 2, 2 bytes, 2 of padding; any: length 0; name: "hi"; short_name: "abc".
    private const string Wire = "01020304 05000000 00000002 AABB0000 00000000 00000002 68690000 00000003 61626300";

    [Test]
    public void Opaque_and_strings_encode_with_lengths_and_zero_padding()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void Opaque_and_strings_decode_back()
    {
        Assert.That(Decode<string>("Decode", Wire), Is.EqualTo("0102030405 AABB  6869 616263"));
    }

    [Test]
    public void A_decoded_string_is_a_slice_of_the_input_not_a_copy()
    {
        byte[] input = Hex.Bytes(Wire);
        var name = Compiled.Call<ReadOnlyMemory<byte>>("DecodeName", input);
        Assert.Multiple(() =>
        {
            Assert.That(MemoryMarshal.TryGetArray(name, out var segment), Is.True);
            Assert.That(segment.Array, Is.SameAs(input));
            Assert.That(segment.Offset, Is.EqualTo(24));
        });
    }

    [Test]
    public void An_opaque_longer_than_its_bound_is_rejected()
    {
        // small<4> announced with 5 bytes (and the bytes are there).
        string wire = "01020304 05000000 00000005 AABBCCDD EE000000 00000000 00000000 00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_string_longer_than_its_bound_is_rejected()
    {
        string wire = "01020304 05000000 00000000 00000000 00000000 00000004 61626364";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void An_opaque_whose_bytes_are_missing_is_truncated()
    {
        // any<> announces 8 bytes, 4 follow.
        string wire = "01020304 05000000 00000000 00000008 CAFEBABE";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.Truncated));
    }

    [Test]
    public void A_fixed_opaque_must_be_given_its_exact_length()
    {
        Assert.That(() => Compiled.Call("EncodeWrongFixedLength"), Throws.ArgumentException);
    }

    [Test]
    public void An_opaque_over_its_bound_is_refused_when_encoding()
    {
        Assert.That(() => Compiled.Call("EncodeOverBound"), Throws.ArgumentException);
    }
}
