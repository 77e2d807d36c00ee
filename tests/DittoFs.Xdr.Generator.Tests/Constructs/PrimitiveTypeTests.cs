using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>int, unsigned int, hyper, unsigned hyper, float, double and bool (RFC 4506 §4.1-4.7) in a struct (§4.14).</summary>
public sealed class PrimitiveTypeTests : CompiledXdrFixture
{
    protected override string Xdr => """
        struct scalars {
            int i;
            unsigned int u;
            hyper h;
            unsigned hyper uh;
            float f;
            double d;
            bool b;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Scalars
        {
            I = -2, U = 0xDEADBEEF, H = -1, Uh = 0x0102030405060708, F = 1.5f, D = -2.0, B = true,
        });

        public static string Decode(byte[] bytes)
        {
            var s = XdrCodec.Decode<Scalars>(bytes);
            return FormattableString.Invariant($"{s.I} {s.U:X} {s.H} {s.Uh:X} {s.F} {s.D} {s.B}");
        }

        public static int Size() => Scalars.SizeOf(default);

        public static XdrError Error(byte[] bytes) => ErrorOf<Scalars>(bytes);
        """;

    // Big-endian, in declaration order; 4 bytes for int, unsigned, float and bool, 8 for hyper and double.
    private const string Wire = "FFFFFFFE DEADBEEF FFFFFFFF FFFFFFFF 01020304 05060708 3FC00000 C0000000 00000000 00000001";

    [Test]
    public void Each_primitive_encodes_big_endian_in_its_RFC_width()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void Each_primitive_decodes_back()
    {
        Assert.That(Decode<string>("Decode", Wire), Is.EqualTo("-2 DEADBEEF -1 102030405060708 1.5 -2 True"));
    }

    [Test]
    public void A_struct_of_fixed_size_fields_has_a_constant_size()
    {
        Assert.That(Compiled.Call<int>("Size"), Is.EqualTo(40));
    }

    [Test]
    public void A_bool_other_than_0_or_1_is_rejected()
    {
        string wire = Wire[..^1] + "2";
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(XdrError.InvalidBoolean));
    }

    [Test]
    public void A_struct_cut_short_is_truncated()
    {
        Assert.That(Decode<XdrError>("Error", Wire[..^9]), Is.EqualTo(XdrError.Truncated));
    }
}
