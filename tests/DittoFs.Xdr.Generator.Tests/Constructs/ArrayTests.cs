using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>Fixed and variable-length arrays (RFC 4506 §4.12-4.13), with and without bounds, sized by constants.</summary>
public sealed class ArrayTests : CompiledXdrFixture
{
    protected override string Xdr => """
        const COUNT = 3;
        typedef string label<4>;

        struct point {
            int x;
            int y;
        };

        struct arrays {
            int triple[COUNT];
            unsigned int bounded<2>;
            hyper unbounded<>;
            point points<>;
            label labels<COUNT>;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Arrays
        {
            Triple = new[] { 1, 2, 3 },
            Bounded = new uint[] { 7 },
            Unbounded = Array.Empty<long>(),
            Points = new[] { new Point { X = 1, Y = -1 } },
            Labels = new Label[] { "ab"u8.ToArray(), "c"u8.ToArray() },
        });

        public static string Decode(byte[] bytes)
        {
            var a = XdrCodec.Decode<Arrays>(bytes);
            return string.Join(" | ",
                string.Join(",", a.Triple.ToArray()),
                string.Join(",", a.Bounded.ToArray()),
                string.Join(",", a.Unbounded.ToArray()),
                string.Join(",", a.Points.ToArray().Select(p => $"({p.X};{p.Y})")),
                string.Join(",", a.Labels.ToArray().Select(l => System.Text.Encoding.ASCII.GetString(l.Span))));
        }

        public static byte[] Reencode(byte[] bytes) => XdrCodec.Encode(XdrCodec.Decode<Arrays>(bytes));

        public static XdrError Error(byte[] bytes) => ErrorOf<Arrays>(bytes);

        public static byte[] EncodeShortFixedArray() => XdrCodec.Encode(new Arrays { Triple = new[] { 1, 2 } });

        public static byte[] EncodeOverBound() => XdrCodec.Encode(new Arrays { Triple = new int[3], Bounded = new uint[3] });
        """;

    // triple: three ints, no count; bounded: count 1; unbounded: count 0; points: count 1, (1, -1); labels: count 2, "ab", "c".
    private const string Wire =
        "00000001 00000002 00000003  00000001 00000007  00000000  00000001 00000001 FFFFFFFF  00000002 00000002 61620000 00000001 63000000";

    [Test]
    public void Arrays_encode_fixed_ones_without_and_variable_ones_with_a_count()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void Arrays_decode_back()
    {
        Assert.That(Decode<string>("Decode", Wire), Is.EqualTo("1,2,3 | 7 |  | (1;-1) | ab,c"));
    }

    [Test]
    public void Decoded_arrays_encode_to_the_same_bytes()
    {
        Assert.That(Hex.Words(Compiled.Call<byte[]>("Reencode", Hex.Bytes(Wire))), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void A_count_over_the_bound_is_rejected()
    {
        string wire = "00000001 00000002 00000003  00000003 00000007 00000008 00000009  00000000  00000000  00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_bound_given_by_a_constant_is_enforced()
    {
        // labels<COUNT> with four labels.
        string wire = "00000001 00000002 00000003  00000000  00000000  00000000  00000004 00000000 00000000 00000000 00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void The_bound_of_an_element_type_is_enforced_inside_an_array()
    {
        // One label of five bytes; label is string<4>.
        string wire = "00000001 00000002 00000003  00000000  00000000  00000000  00000001 00000005 61626364 65000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void A_count_the_remaining_bytes_cannot_hold_is_truncated()
    {
        string wire = "00000001 00000002 00000003  00000000  7FFFFFFF 00000000";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.Truncated));
    }

    [Test]
    public void A_fixed_array_must_be_given_its_exact_length()
    {
        Assert.That(() => Compiled.Call("EncodeShortFixedArray"), Throws.ArgumentException);
    }

    [Test]
    public void An_array_over_its_bound_is_refused_when_encoding()
    {
        Assert.That(() => Compiled.Call("EncodeOverBound"), Throws.ArgumentException);
    }
}
