using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary><c>enum</c> (RFC 4506 §4.3): a 32-bit signed value that must be one the enum declares.</summary>
public sealed class EnumTests : CompiledXdrFixture
{
    protected override string Xdr => """
        const TWO = 2;

        enum color {
            RED = 1,
            GREEN = TWO,
            BLUE = -3
        };

        struct paint {
            color c;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode(int value) => XdrCodec.Encode(new Paint { C = (Color)value });

        public static string Decode(byte[] bytes) => XdrCodec.Decode<Paint>(bytes).C.ToString();

        public static XdrError Error(byte[] bytes) => ErrorOf<Paint>(bytes);

        public static bool IsDefined(int value) => ColorCodec.IsDefined((Color)value);
        """;

    [Test]
    public void Members_take_their_values_from_literals_and_constants()
    {
        var color = Compiled.Type("Color");
        Assert.That(Enum.GetNames(color).Zip(Enum.GetValues(color).Cast<object>().Select(Convert.ToInt32)),
            Is.EqualTo(new[] { ("Red", 1), ("Green", 2), ("Blue", -3) }));
    }

    [Test]
    public void A_negative_member_encodes_as_a_signed_32_bit_value()
    {
        Assert.That(Encoded("Encode", -3), Is.EqualTo("FFFFFFFD"));
    }

    [Test]
    public void A_declared_value_decodes_to_its_member()
    {
        Assert.That(Decode<string>("Decode", "00000002"), Is.EqualTo("Green"));
    }

    [Test]
    public void A_value_the_enum_does_not_declare_is_rejected()
    {
        Assert.That(Decode<XdrError>("Error", "00000003"), Is.EqualTo(XdrError.UnknownEnumValue));
    }

    [TestCase(1, true)]
    [TestCase(-3, true)]
    [TestCase(0, false)]
    [TestCase(4, false)]
    public void The_codec_knows_which_values_are_declared(int value, bool defined)
    {
        Assert.That(Compiled.Call<bool>("IsDefined", value), Is.EqualTo(defined));
    }
}
