using System.Reflection;
using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// A type whose encoded size is the same for every value declares it as <c>FixedSize</c>: enums, and structs
/// made of primitives, enums, fixed opaques, fixed arrays of fixed-size elements and other such structs.
/// </summary>
public sealed class FixedSizeTests : CompiledXdrFixture
{
    protected override string Xdr => """
        enum kind { ONE = 1, TWO = 2 };
        struct point { int x; int y; };
        struct sample {
            kind k;              /* 4 */
            unsigned hyper id;   /* 8 */
            opaque verf[5];      /* 8: padded to a multiple of 4 */
            point corners[2];    /* 16 */
            bool flag;           /* 4 */
        };
        struct named { int id; string name<8>; };
        struct maybe { point *where; };
        union choice switch (bool set) { case TRUE: int value; case FALSE: void; };
        struct chosen { choice c; };
        struct item { int value; item *next; };
        struct sized { unsigned int fixed_size; };
        """;

    protected override string Probe => """
        public static int EncodedLength() => XdrCodec.Encode(new Sample { Verf = new byte[5], Corners = new Point[2] }).Length;
        """;

    private bool HasFixedSize(string type) => Compiled.Type(type).GetField("FixedSize", BindingFlags.Public | BindingFlags.Static) is not null;

    [Test]
    public void A_struct_of_fixed_size_members_declares_the_length_of_its_encoding()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("Sample", "FixedSize"), Is.EqualTo(40));
            Assert.That(Compiled.Call<int>("EncodedLength"), Is.EqualTo(40));
            Assert.That(Compiled.Constant("Point", "FixedSize"), Is.EqualTo(8));
        });
    }

    [Test]
    public void An_enum_codec_declares_four_bytes()
    {
        Assert.That(Compiled.Constant("KindCodec", "FixedSize"), Is.EqualTo(4));
    }

    [Test]
    public void A_field_named_fixed_size_gives_the_constant_its_name()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("Sized", "FixedSize"), Is.EqualTo(4));
            Assert.That(Compiled.Type("Sized").GetField("FixedSizeValue"), Is.Not.Null);
        });
    }

    [TestCase("Named")]  // a string
    [TestCase("Maybe")]  // optional data
    [TestCase("Choice")] // a union: its arms differ
    [TestCase("Chosen")] // a struct holding a union
    [TestCase("Item")]   // a self-linked list node: its link is part of its encoding
    public void A_type_whose_size_varies_declares_none(string type)
    {
        Assert.That(HasFixedSize(type), Is.False);
    }
}
