using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// <c>typedef</c> (RFC 4506 §4.18): a typedef of a primitive, opaque or string is a struct named after it wrapping the
/// value (unless its name only spells a machine type, like uint32); chains wrap the final type and keep its bound;
/// a typedef'd body names the type; typedefs of other types resolve to them.
/// </summary>
public sealed class TypedefTests : CompiledXdrFixture
{
    protected override string Xdr => """
        typedef unsigned int uint32;
        typedef uint32 count3;
        typedef count3 total;
        typedef opaque handle<8>;
        typedef handle file_handle;
        typedef struct {
            int a;
            int b;
        } pair;
        typedef enum { UP = 1, DOWN = 2 } direction;
        typedef string label<2>;
        typedef pair pairs<2>;
        typedef pair *maybe_pair;
        typedef int selector;

        struct holder {
            total count;
            file_handle fh;
            pair p;
            direction dir;
            uint32 raw;
            label name;
        };

        union choice switch (selector kind) {
        case 2:
            int n;
        default:
            void;
        };
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Holder
        {
            Count = 5,
            Fh = new byte[] { 0xAB },
            P = new Pair { A = 1, B = 2 },
            Dir = Direction.Down,
        });

        public static XdrError Error(byte[] bytes) => ErrorOf<Holder>(bytes);

        public static string Conversions()
        {
            Count3 count = 7u;
            uint raw = count;
            Total total = 8u;
            Label label = "ab"u8.ToArray();
            Handle handle = new byte[] { 1, 2, 3 };
            Handle same = new byte[] { 1, 2, 3 };
            return string.Join(" ", raw, total, count == 7u, handle == same, count == new Count3(8), handle.Length,
                System.Text.Encoding.ASCII.GetString(label.Span), count.ToString("x8"), total.Equals(count));
        }

        public static byte[] EncodeChoice() => XdrCodec.Encode(new Choice { Kind = 2, N = 9 });

        public static byte[] EncodeLabelOverBound() => XdrCodec.Encode(new Holder { Name = "abc"u8.ToArray() });
        """;

    [Test]
    public void A_typedef_named_after_a_machine_type_stays_the_primitive()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Holder").GetField("Raw")!.FieldType, Is.EqualTo(typeof(uint)));
            Assert.That(Compiled.Assembly.GetTypes().Select(t => t.Name), Has.None.EqualTo("Uint32"));
        });
    }

    [Test]
    public void A_typedef_of_a_primitive_or_opaque_is_a_struct_named_after_it_wrapping_the_value()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Count3").GetField("Value")!.FieldType, Is.EqualTo(typeof(uint)));
            Assert.That(Compiled.Type("Handle").GetField("Value")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes8>)));
            Assert.That(Compiled.Type("Label").GetField("Value")!.FieldType, Is.EqualTo(typeof(ReadOnlyMemory<byte>)));
            Assert.That(Compiled.Type("Holder").GetField("Name")!.FieldType, Is.EqualTo(Compiled.Type("Label")));
            Assert.That(Compiled.Type("Count3").IsValueType, Is.True);
        });
    }

    [Test]
    public void A_typedef_of_a_typedef_wraps_the_value_at_the_end_of_the_chain()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Holder").GetField("Count")!.FieldType, Is.EqualTo(Compiled.Type("Total")));
            Assert.That(Compiled.Type("Total").GetField("Value")!.FieldType, Is.EqualTo(typeof(uint)));
            Assert.That(Compiled.Type("Holder").GetField("Fh")!.FieldType, Is.EqualTo(Compiled.Type("FileHandle")));
            Assert.That(Compiled.Type("FileHandle").GetField("Value")!.FieldType, Is.EqualTo(typeof(InlineOpaque<InlineBytes8>)));
        });
    }

    [Test]
    public void A_typedef_converts_to_and_from_its_value_implicitly_and_compares_by_value()
    {
        Assert.That(Compiled.Call<string>("Conversions"), Is.EqualTo("7 8 True True False 3 ab 00000007 False"));
    }

    [Test]
    public void A_typedef_d_discriminant_switches_on_the_value_it_wraps()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Choice").GetField("Kind")!.FieldType, Is.EqualTo(typeof(int)));
            Assert.That(Encoded("EncodeChoice"), Is.EqualTo(Hex.Normalize("00000002 00000009")));
        });
    }

    [Test]
    public void A_typedef_is_refused_when_its_bound_is_exceeded_while_encoding()
    {
        Assert.That(() => Compiled.Call("EncodeLabelOverBound"), Throws.ArgumentException);
    }

    [Test]
    public void A_typedef_of_a_struct_or_enum_body_names_the_generated_type()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Holder").GetField("P")!.FieldType, Is.EqualTo(Compiled.Type("Pair")));
            Assert.That(Compiled.Type("Holder").GetField("Dir")!.FieldType, Is.EqualTo(Compiled.Type("Direction")));
        });
    }

    [Test]
    public void Typedefs_encode_as_the_types_they_stand_for()
    {
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize("00000005 00000001 AB000000 00000001 00000002 00000002 00000000 00000000")));
    }

    [Test]
    public void A_bound_travels_through_a_typedef_chain()
    {
        Assert.That(Decode<XdrError>("Error", "00000005 00000009 00000000 00000000 00000000"), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void Typedefs_of_structs_unions_enums_arrays_and_pointers_generate_no_types_of_their_own()
    {
        Assert.That(Compiled.Assembly.GetTypes().Select(t => t.Name), Has.None.AnyOf("Pairs", "MaybePair"));
    }
}
