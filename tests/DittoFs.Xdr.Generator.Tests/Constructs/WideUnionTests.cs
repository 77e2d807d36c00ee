using System.Runtime.CompilerServices;
using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// Wide unions: past eight arms with data (NFSv4's COMPOUND operations have sixty), a union is generated as a view of
/// its discriminant and one arm — the arm's bytes when decoded, an XdrArm box when built — instead of a struct with every
/// arm side by side. The wire is the same as for any union (RFC 4506 §4.15); only the C# shape differs.
/// </summary>
public sealed class WideUnionTests : CompiledXdrFixture
{
    protected override string Xdr => """
        enum op { OP_A = 1, OP_B = 2, OP_C = 3, OP_D = 4, OP_E = 5, OP_F = 6, OP_G = 7, OP_H = 8, OP_I = 9, OP_J = 10,
                  OP_VOID = 11, OP_K = 12, OP_NONE = 99 };

        struct pair { int x; hyper y; };

        union wide switch (op kind) {
        case OP_A: int a;
        case OP_B: hyper b;
        case OP_C: pair c;
        case OP_D: opaque d<>;
        case OP_E: string e<8>;
        case OP_F: int f[2];
        case OP_G: pair *g;
        case OP_H:
        case OP_I: unsigned int hi;
        case OP_J: bool j;
        case OP_VOID: void;
        default: opaque rest[4];
        };

        /* Eight arms with data: still a plain struct. */
        union eight switch (int k) {
        case 1: int a; case 2: int b; case 3: int c; case 4: int d;
        case 5: int e; case 6: int f; case 7: int g; case 8: int h;
        };

        struct batch { wide ops<>; };
        """;

    protected override string Probe => """
        public static byte[] BuiltA() => XdrCodec.Encode(Wide.FromA(-2));
        public static byte[] BuiltC() => XdrCodec.Encode(Wide.FromC(new Pair { X = 1, Y = 2 }));
        public static byte[] BuiltD() => XdrCodec.Encode(Wide.FromD(new byte[] { 1, 2, 3 }));
        public static byte[] BuiltG() => XdrCodec.Encode(Wide.FromG(new Pair { X = 3, Y = 4 }));
        public static byte[] BuiltGAbsent() => XdrCodec.Encode(Wide.FromG((Pair?)null));
        public static byte[] BuiltI() => XdrCodec.Encode(Wide.FromHi(Op.OpI, 7u));
        public static byte[] BuiltVoid() => XdrCodec.Encode(new Wide(Op.OpVoid));
        public static byte[] BuiltFromEncoded() => XdrCodec.Encode(Wide.FromEncoded(Op.OpA, new byte[] { 0, 0, 0, 5 }));
        public static int DecodedFromEncoded() => Wide.FromEncoded(Op.OpA, new byte[] { 0, 0, 0, 5 }).A;
        public static byte[] BuiltDefault() => XdrCodec.Encode(Wide.FromRest(Op.OpNone, new byte[] { 9, 9, 9, 9 }));

        /// <summary>One box reused for two values: each encodes the box's value at the time.</summary>
        public static byte[] ReusedBox()
        {
            var box = new XdrArm<long>();
            box.Value = 5;
            var first = XdrCodec.Encode(Wide.FromB(box));
            box.Value = 6;
            return first.Concat(XdrCodec.Encode(Wide.FromB(box))).ToArray();
        }

        public static string Decode(byte[] bytes)
        {
            var w = XdrCodec.Decode<Wide>(bytes);
            return w.Kind switch
            {
                Op.OpA => $"A {w.A}",
                Op.OpC => $"C {w.C.X} {w.C.Y}",
                Op.OpD => $"D {Convert.ToHexString(w.D.Span)}",
                Op.OpG => $"G {(w.G is { } g ? g.X + " " + g.Y : "none")}",
                Op.OpH or Op.OpI => $"HI {w.Kind} {w.Hi}",
                Op.OpVoid => "void",
                _ => $"rest {w.Kind} {Convert.ToHexString(w.Rest.Span)}",
            };
        }

        /// <summary>Decodes, then encodes the decoded value again: its arm's bytes go out as they came.</summary>
        public static byte[] Reencode(byte[] bytes) => XdrCodec.Encode(XdrCodec.Decode<Wide>(bytes));

        public static bool DecodedDAliasesTheInput(byte[] bytes)
        {
            var d = XdrCodec.Decode<Wide>(bytes).D;
            bytes[8] = 0xEE;
            return d.Span[0] == 0xEE;
        }

        public static XdrError Error(byte[] bytes) => ErrorOf<Wide>(bytes);

        public static int AskForTheWrongArm(byte[] bytes) => XdrCodec.Decode<Wide>(bytes).B is var b ? (int)b : 0;
        public static int AskABuiltValueForTheWrongArm() => Wide.FromA(1).Hi is var hi ? (int)hi : 0;
        public static Wide VoidConstructorWithADataArm() => new Wide(Op.OpA);
        public static byte[] ArmOfAnotherTypeThanTheDiscriminantSelects() => XdrCodec.Encode(Wide.FromHi(Op.OpA, 1u));

        public static int SizeOfWide() => System.Runtime.CompilerServices.Unsafe.SizeOf<Wide>();
        public static int SizeOfEight() => System.Runtime.CompilerServices.Unsafe.SizeOf<Eight>();

        public static byte[] Batch() => XdrCodec.Encode(new Batch { Ops = new[] { Wide.FromA(1), new Wide(Op.OpVoid), Wide.FromE("xy"u8.ToArray()) } });
        public static string DecodeBatch(byte[] bytes) =>
            string.Join(",", XdrCodec.Decode<Batch>(bytes).Ops.ToArray().Select(o => o.Kind + ":" + XdrCodec.Encode(o).Length));
        """;

    [TestCase("BuiltA", "00000001 FFFFFFFE")]
    [TestCase("BuiltC", "00000003 00000001 00000000 00000002")]
    [TestCase("BuiltD", "00000004 00000003 01020300")]
    [TestCase("BuiltG", "00000007 00000001 00000003 00000000 00000004")]
    [TestCase("BuiltGAbsent", "00000007 00000000")]
    [TestCase("BuiltI", "00000009 00000007")]
    [TestCase("BuiltVoid", "0000000B")]
    [TestCase("BuiltDefault", "00000063 09090909")]
    [TestCase("BuiltFromEncoded", "00000001 00000005")]
    [TestCase("ReusedBox", "00000002 00000000 00000005 00000002 00000000 00000006")]
    public void A_built_wide_union_encodes_its_discriminant_then_its_arm(string probe, string wire)
    {
        Assert.That(Encoded(probe), Is.EqualTo(Hex.Normalize(wire)));
    }

    [TestCase("00000001 FFFFFFFE", "A -2")]
    [TestCase("00000003 00000001 00000000 00000002", "C 1 2")]
    [TestCase("00000004 00000003 01020300", "D 010203")]
    [TestCase("00000007 00000000", "G none")]
    [TestCase("00000008 00000007", "HI OpH 7")]
    [TestCase("00000009 00000007", "HI OpI 7")]
    [TestCase("0000000B", "void")]
    [TestCase("0000000C 01020304", "rest OpK 01020304")]
    public void A_decoded_wide_union_gives_the_arm_of_its_discriminant(string wire, string decoded)
    {
        Assert.That(Decode<string>("Decode", wire), Is.EqualTo(decoded));
    }

    [TestCase("00000001 FFFFFFFE")]
    [TestCase("00000004 00000003 01020300")]
    [TestCase("0000000B")]
    [TestCase("00000063 09090909")]
    public void A_decoded_wide_union_encodes_to_the_bytes_it_came_from(string wire)
    {
        Assert.That(Hex.Words(Compiled.Call<byte[]>("Reencode", Hex.Bytes(wire))), Is.EqualTo(Hex.Normalize(wire)));
    }

    [Test]
    public void A_value_built_from_an_encoded_arm_reads_that_arm()
    {
        Assert.That(Compiled.Call<int>("DecodedFromEncoded"), Is.EqualTo(5));
    }

    [Test]
    public void A_decoded_opaque_arm_is_a_slice_of_the_input_not_a_copy()
    {
        Assert.That(Compiled.Call<bool>("DecodedDAliasesTheInput", Hex.Bytes("00000004 00000003 01020300")), Is.True);
    }

    [TestCase("00000005 00000009 00000000", XdrError.LengthExceedsBound)] // string e<8> of 9 bytes
    [TestCase("00000003 00000001", XdrError.Truncated)] // pair cut short
    [TestCase("0000000A 00000002", XdrError.InvalidBoolean)]
    [TestCase("00000064", XdrError.UnknownEnumValue)]
    public void A_malformed_arm_fails_the_decoding_of_the_union(string wire, XdrError error)
    {
        Assert.That(Decode<XdrError>("Error", wire), Is.EqualTo(error));
    }

    [Test]
    public void Asking_for_an_arm_the_discriminant_does_not_select_throws()
    {
        Assert.That(() => Compiled.Call("AskForTheWrongArm", Hex.Bytes("00000001 FFFFFFFE")), Throws.InvalidOperationException);
        Assert.That(() => Compiled.Call("AskABuiltValueForTheWrongArm"), Throws.InvalidOperationException);
    }

    [Test]
    public void The_void_constructor_refuses_a_discriminant_whose_arm_carries_data()
    {
        Assert.That(() => Compiled.Call("VoidConstructorWithADataArm"), Throws.ArgumentException);
    }

    [Test]
    public void Encoding_an_arm_the_discriminant_does_not_select_is_refused()
    {
        Assert.That(() => Compiled.Call("ArmOfAnotherTypeThanTheDiscriminantSelects"), Throws.ArgumentException);
    }

    [Test]
    public void A_wide_union_is_three_fields_and_a_union_of_eight_arms_stays_a_struct_of_its_arms()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Call<int>("SizeOfWide"), Is.LessThanOrEqualTo(32), "discriminant, box reference, encoded slice");
            Assert.That(Compiled.Type("Eight").GetField("H"), Is.Not.Null, "eight arms: one field per arm");
            Assert.That(Compiled.Type("Wide").GetField("A"), Is.Null, "wide: arms are properties");
            Assert.That(Compiled.Type("Wide").GetProperty("A"), Is.Not.Null);
        });
    }

    [Test]
    public void A_list_of_wide_unions_round_trips()
    {
        string wire = Encoded("Batch");
        Assert.That(wire, Is.EqualTo(Hex.Normalize("00000003 00000001 00000001 0000000B 00000005 00000002 78790000")));
        Assert.That(Decode<string>("DecodeBatch", wire), Is.EqualTo("OpA:8,OpVoid:4,OpE:12"));
    }
}
