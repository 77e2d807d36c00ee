using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary><c>typedef</c> (RFC 4506 §4.18): chains resolve to the final type and keep its bound; a typedef'd body names the type.</summary>
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

        struct holder {
            total count;
            file_handle fh;
            pair p;
            direction dir;
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
        """;

    [Test]
    public void A_typedef_chain_resolves_to_the_primitive_at_its_end()
    {
        Assert.That(Compiled.Type("Holder").GetField("Count")!.FieldType, Is.EqualTo(typeof(uint)));
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
        Assert.That(Encoded("Encode"), Is.EqualTo(Hex.Normalize("00000005 00000001 AB000000 00000001 00000002 00000002")));
    }

    [Test]
    public void A_bound_travels_through_a_typedef_chain()
    {
        Assert.That(Decode<XdrError>("Error", "00000005 00000009 00000000 00000000 00000000"), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void Typedefs_generate_no_types_of_their_own()
    {
        Assert.That(Compiled.Assembly.GetTypes().Select(t => t.Name),
            Has.None.AnyOf("Uint32", "Count3", "Total", "Handle", "FileHandle"));
    }
}
