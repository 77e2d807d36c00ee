using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>Struct, enum and union bodies declared inline in a field (RFC 4506 §6.3 type-specifier): each becomes a type named after its owner and field.</summary>
public sealed class InlineTypeTests : CompiledXdrFixture
{
    protected override string Xdr => """
        struct holder {
            struct {
                int x;
                int y;
            } point;
            enum { SMALL = 1, LARGE = 2 } size;
            union switch (bool set) {
            case TRUE:
                unsigned int seconds;
            case FALSE:
                void;
            } when;
        };

        /* Members of an inline enum are constants like any other (C scoping). */
        const BIGGEST = LARGE;
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Holder
        {
            Point = new HolderPoint { X = 1, Y = 2 },
            Size = HolderSize.Large,
            When = new HolderWhen { Set = true, Seconds = 9 },
        });

        public static string Decode(byte[] bytes)
        {
            var h = XdrCodec.Decode<Holder>(bytes);
            return $"({h.Point.X};{h.Point.Y}) {h.Size} {h.When.Set}:{h.When.Seconds}";
        }
        """;

    private const string Wire = "00000001 00000002 00000002 00000001 00000009";

    [Test]
    public void Inline_bodies_become_types_named_after_owner_and_field()
    {
        var holder = Compiled.Type("Holder");
        Assert.That(new[] { "Point", "Size", "When" }.Select(f => holder.GetField(f)!.FieldType.Name),
            Is.EqualTo(new[] { "HolderPoint", "HolderSize", "HolderWhen" }));
    }

    [Test]
    public void Inline_types_encode_in_place()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize(Wire)));
    }

    [Test]
    public void Inline_types_decode_back()
    {
        Assert.That(Decode<string>("Decode", Wire), Is.EqualTo("(1;2) Large True:9"));
    }

    [Test]
    public void Members_of_an_inline_enum_are_usable_as_constants()
    {
        Assert.That(Compiled.Constant("SampleConstants", "Biggest"), Is.EqualTo(2));
    }
}
