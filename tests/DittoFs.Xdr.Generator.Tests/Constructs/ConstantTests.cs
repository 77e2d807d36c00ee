using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary><c>const</c> (RFC 4506 §4.17): decimal, hexadecimal, octal and negative literals, in a class named after the file.</summary>
public sealed class ConstantTests : CompiledXdrFixture
{
    protected override string Xdr => """
        const DECIMAL_VALUE = 1024;
        const HEX_VALUE = 0x1F;
        const UPPER_HEX_VALUE = 0XFF;
        const OCTAL_VALUE = 0755;
        const NEGATIVE_VALUE = -42;
        const NEGATIVE_HEX = -0x10;
        const ZERO = 0;
        const ALL_ONES = 0xFFFFFFFF;
        const BEYOND_32_BITS = 0x100000000;
        const BELOW_INT_MIN = -2147483649;
        """;

    protected override string Probe => "";

    [TestCase("DecimalValue", 1024)]
    [TestCase("HexValue", 0x1F)]
    [TestCase("UpperHexValue", 0xFF)]
    [TestCase("OctalValue", 493)]
    [TestCase("NegativeValue", -42)]
    [TestCase("NegativeHex", -16)]
    [TestCase("Zero", 0)]
    public void A_32_bit_constant_is_an_int_with_the_literal_value(string name, int expected)
    {
        Assert.That(Compiled.Constant("SampleConstants", name), Is.EqualTo(expected));
    }

    [Test]
    public void A_constant_beyond_int_but_within_uint_is_a_uint()
    {
        Assert.That(Compiled.Constant("SampleConstants", "AllOnes"), Is.EqualTo(uint.MaxValue));
    }

    [Test]
    public void A_constant_beyond_32_bits_is_a_long()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("SampleConstants", "Beyond32Bits"), Is.EqualTo(0x100000000L));
            Assert.That(Compiled.Constant("SampleConstants", "BelowIntMin"), Is.EqualTo(-2147483649L));
        });
    }
}
