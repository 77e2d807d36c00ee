using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// Discriminated unions (RFC 4506 §4.15): enum, int, unsigned int and bool discriminants, several labels per
/// arm, void arms, a default arm, and the unknown discriminant of a union without one.
/// </summary>
public sealed class UnionTests : CompiledXdrFixture
{
    protected override string Xdr => """
        enum kind { K_INT = 1, K_NAME = 2, K_NONE = 3, K_ALIAS = 4, K_SPARE = 5 };

        union by_enum switch (kind k) {
        case K_INT:
            int number;
        case K_NAME:
        case K_ALIAS:
            string name<8>;
        case K_NONE:
            void;
        };

        union by_int switch (int code) {
        case 0:
            void;
        case -1:
            hyper big;
        default:
            opaque rest<>;
        };

        union by_unsigned switch (unsigned int tag) {
        case 4294967295:
            float ratio;
        case 1:
            void;
        };

        union by_bool switch (bool set) {
        case TRUE:
            unsigned int value;
        case FALSE:
            void;
        };
        """;

    protected override string Probe => """
        public static byte[] EnumNumber() => XdrCodec.Encode(new ByEnum { K = Kind.KInt, Number = -1 });
        public static byte[] EnumAlias() => XdrCodec.Encode(new ByEnum { K = Kind.KAlias, Name = "abc"u8.ToArray() });
        public static byte[] EnumVoid() => XdrCodec.Encode(new ByEnum { K = Kind.KNone });
        public static byte[] EnumWithoutArm() => XdrCodec.Encode(new ByEnum { K = Kind.KSpare });
        public static string DecodeEnum(byte[] bytes)
        {
            var u = XdrCodec.Decode<ByEnum>(bytes);
            return $"{u.K} {u.Number} {Convert.ToHexString(u.Name.Span)}";
        }
        public static XdrError EnumError(byte[] bytes) => ErrorOf<ByEnum>(bytes);

        public static byte[] IntVoid() => XdrCodec.Encode(new ByInt { Code = 0 });
        public static byte[] IntNegativeCase() => XdrCodec.Encode(new ByInt { Code = -1, Big = 2 });
        public static byte[] IntDefault() => XdrCodec.Encode(new ByInt { Code = 7, Rest = new byte[] { 1, 2 } });
        public static string DecodeInt(byte[] bytes)
        {
            var u = XdrCodec.Decode<ByInt>(bytes);
            return $"{u.Code} {u.Big} {Convert.ToHexString(u.Rest.Span)}";
        }

        public static byte[] UnsignedMax() => XdrCodec.Encode(new ByUnsigned { Tag = uint.MaxValue, Ratio = 0.5f });
        public static byte[] UnsignedWithoutArm() => XdrCodec.Encode(new ByUnsigned { Tag = 2 });
        public static XdrError UnsignedError(byte[] bytes) => ErrorOf<ByUnsigned>(bytes);

        public static byte[] BoolTrue() => XdrCodec.Encode(new ByBool { Set = true, Value = 9 });
        public static byte[] BoolFalse() => XdrCodec.Encode(new ByBool { Set = false, Value = 9 });
        public static string DecodeBool(byte[] bytes)
        {
            var u = XdrCodec.Decode<ByBool>(bytes);
            return $"{u.Set} {u.Value}";
        }
        """;

    [TestCase("EnumNumber", "00000001 FFFFFFFF")]
    [TestCase("EnumAlias", "00000004 00000003 61626300")]
    [TestCase("EnumVoid", "00000003")]
    [TestCase("IntVoid", "00000000")]
    [TestCase("IntNegativeCase", "FFFFFFFF 00000000 00000002")]
    [TestCase("IntDefault", "00000007 00000002 01020000")]
    [TestCase("UnsignedMax", "FFFFFFFF 3F000000")]
    [TestCase("BoolTrue", "00000001 00000009")]
    [TestCase("BoolFalse", "00000000")]
    public void A_union_encodes_its_discriminant_then_only_the_selected_arm(string probe, string wire)
    {
        Assert.That(Encoded(probe), Is.EqualTo(Hex.Normalize(wire)));
    }

    [TestCase("00000001 FFFFFFFF", "KInt -1 ")]
    [TestCase("00000002 00000002 68690000", "KName 0 6869")]
    [TestCase("00000004 00000001 7A000000", "KAlias 0 7A")]
    [TestCase("00000003", "KNone 0 ")]
    public void An_enum_switched_union_decodes_the_arm_of_its_case(string wire, string decoded)
    {
        Assert.That(Decode<string>("DecodeEnum", wire), Is.EqualTo(decoded));
    }

    [TestCase("00000000", "0 0 ")]
    [TestCase("FFFFFFFF 00000000 00000002", "-1 2 ")]
    [TestCase("0000002A 00000001 FF000000", "42 0 FF")]
    public void An_int_switched_union_decodes_cases_and_the_default_arm(string wire, string decoded)
    {
        Assert.That(Decode<string>("DecodeInt", wire), Is.EqualTo(decoded));
    }

    [TestCase("00000001 00000009", "True 9")]
    [TestCase("00000000", "False 0")]
    public void A_bool_switched_union_decodes_both_arms(string wire, string decoded)
    {
        Assert.That(Decode<string>("DecodeBool", wire), Is.EqualTo(decoded));
    }

    [Test]
    public void A_declared_enum_value_without_an_arm_and_no_default_is_an_unknown_discriminant()
    {
        Assert.That(Decode<XdrError>("EnumError", "00000005"), Is.EqualTo(XdrError.UnknownDiscriminant));
    }

    [Test]
    public void An_undeclared_enum_discriminant_is_reported_as_an_unknown_enum_value()
    {
        Assert.That(Decode<XdrError>("EnumError", "00000063"), Is.EqualTo(XdrError.UnknownEnumValue));
    }

    [Test]
    public void An_unsigned_discriminant_without_an_arm_is_an_unknown_discriminant()
    {
        Assert.That(Decode<XdrError>("UnsignedError", "00000002 3F000000"), Is.EqualTo(XdrError.UnknownDiscriminant));
    }

    [Test]
    public void The_selected_arm_cut_short_is_truncated()
    {
        Assert.That(Decode<XdrError>("EnumError", "00000002 00000004 6869"), Is.EqualTo(XdrError.Truncated));
    }

    [TestCase("EnumWithoutArm")]
    [TestCase("UnsignedWithoutArm")]
    public void Encoding_a_discriminant_without_an_arm_is_refused(string probe)
    {
        Assert.That(() => Compiled.Call(probe), Throws.ArgumentException);
    }
}
