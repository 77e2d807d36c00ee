using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>Optional data, <c>type *name</c> (RFC 4506 §4.19): a bool, then the value when it is TRUE; C# nullable values.</summary>
public sealed class OptionalDataTests : CompiledXdrFixture
{
    protected override string Xdr => """
        struct point {
            int x;
            int y;
        };

        struct maybe {
            int *number;
            point *where;
        };
        """;

    protected override string Probe => """
        public static byte[] OnlyPoint() => XdrCodec.Encode(new Maybe { Where = new Point { X = 1, Y = 2 } });
        public static byte[] OnlyNumber() => XdrCodec.Encode(new Maybe { Number = 5 });

        public static string Decode(byte[] bytes)
        {
            var m = XdrCodec.Decode<Maybe>(bytes);
            return $"{m.Number?.ToString() ?? "null"} {(m.Where is { } p ? $"({p.X};{p.Y})" : "null")}";
        }

        public static XdrError Error(byte[] bytes) => ErrorOf<Maybe>(bytes);
        """;

    [TestCase("OnlyPoint", "00000000 00000001 00000001 00000002")]
    [TestCase("OnlyNumber", "00000001 00000005 00000000")]
    public void Optional_data_encodes_a_presence_flag_then_the_value(string probe, string wire)
    {
        Assert.That(Encoded(probe), Is.EqualTo(Hex.Normalize(wire)));
    }

    [TestCase("00000000 00000001 00000001 00000002", "null (1;2)")]
    [TestCase("00000001 00000005 00000000", "5 null")]
    public void Optional_data_decodes_to_null_or_the_value(string wire, string decoded)
    {
        Assert.That(Decode<string>("Decode", wire), Is.EqualTo(decoded));
    }

    [Test]
    public void An_optional_field_is_a_nullable_value()
    {
        Assert.That(Compiled.Type("Maybe").GetField("Where")!.FieldType, Is.EqualTo(typeof(Nullable<>).MakeGenericType(Compiled.Type("Point"))));
    }

    [Test]
    public void A_presence_flag_other_than_0_or_1_is_rejected()
    {
        Assert.That(Decode<XdrError>("Error", "00000002 00000005 00000000"), Is.EqualTo(XdrError.InvalidBoolean));
    }
}
