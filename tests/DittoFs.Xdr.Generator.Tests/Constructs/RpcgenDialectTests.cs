using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>
/// rpcgen's dialect, beyond RFC 4506: cpp lines, C tags as type references, C integer types, the RPC library's
/// types, string and unsigned 64-bit constants, enum members without values, %#define values.
/// </summary>
public sealed class RpcgenDialectTests : CompiledXdrFixture
{
    protected override string Xdr => """
        #ifdef RPC_HDR
        %#include <rpc/xdr.h>
        const ONLY_IN_HEADER = 1;
        #endif
        #if RPC_HDR
        this is not XDR and is skipped
        #elif defined(RPC_XDR) && !defined(RPC_SVC)
        const XDR_BRANCH = 2;
        #else
        const ELSE_BRANCH = 3;
        #endif
        #ifndef RPC_CLNT
        const NOT_CLIENT = 4;
        #endif
        #if 0
        garbage ( ;
        #endif
        #define FROM_DEFINE 16
        #define FLAG
        #ifdef FLAG
        const FLAG_SEEN = FROM_DEFINE;
        #endif
        %#define PASSED_THROUGH 6
        %#define PASSED_PLUS_ONE PASSED_THROUGH+1
        const TRUE = 1;
        const HEXMODULUS = "d4a0ba0250b6";
        const ALL_BITS = 0xffffffffffffffff;
        const NEGATIVE = -1;

        enum implicit_values { FIRST, SECOND, TENTH = 10, ELEVENTH };

        struct c_ints {
            char c;
            unsigned char uc;
            short s;
            unsigned short us;
            long l;
            unsigned long ul;
            long int li;
            short int si;
            unsigned long int uli;
            hyper int hi;
            unsigned hyper int uhi;
            u_int ui;
            u_long ulong_t;
            bool_t b;
            uint32_t u32;
            int64_t i64;
        };
        typedef struct c_ints c_ints;

        struct external {
            netobj oh;
            des_block key;
            wrapstring any;
            opaque name<PASSED_THROUGH>;
            opaque plus<PASSED_PLUS_ONE>;
            char tag[2];
        };

        struct node {
            int value;
            struct node *next;
        };

        union tagged switch (enum implicit_values which) {
        case FIRST:
            struct c_ints ints;
        case SECOND:
            union tagged_inner inner;
        default:
            void;
        };

        union tagged_inner switch (int kind) {
        case 0: struct external ext;
        default: void;
        };

        program TAG_PROG {
            version TAG_VERS {
                struct external TAGPROC_ECHO(struct c_ints) = 1;
                enum implicit_values TAGPROC_KIND(union tagged) = 2;
            } = 1;
        } = 0x20000099;
        """;

    protected override string Probe => """
        public static byte[] Ints() => XdrCodec.Encode(new CInts
        {
            C = -1, Uc = 255, S = -2, Us = 65535, L = -3, Ul = 4, Li = 5, Si = 6, Uli = 7, Hi = -8, Uhi = 9, Ui = 10, UlongT = 11, B = true, U32 = 12, I64 = 13,
        });

        public static byte[] External() => XdrCodec.Encode(new External
        {
            Oh = new byte[] { 0xAA },
            Key = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 },
            Any = "x"u8.ToArray(),
            Name = new byte[] { 0xBB },
            Plus = new byte[7],
            Tag = new[] { 1, 2 },
        });

        public static XdrError OversizedNetobj()
        {
            var bytes = new byte[4 + 1028];
            bytes[2] = 0x04; bytes[3] = 0x01; // 1025 bytes
            return ErrorOf<External>(bytes);
        }

        public static XdrError SeventhNameByte() => ErrorOf<External>(Hex("00000000 0102030405060708 00000000 00000007 00000000 00000000"));

        private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

        public static string Members() => $"{(int)ImplicitValues.First} {(int)ImplicitValues.Second} {(int)ImplicitValues.Tenth} {(int)ImplicitValues.Eleventh}";
        """;

    [Test]
    public void Conditional_blocks_are_selected_as_rpcgen_c_selects_them_for_the_XDR_routines()
    {
        var constants = Compiled.Type("SampleConstants").GetFields().Select(f => f.Name).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(constants, Does.Contain("XdrBranch").And.Contain("NotClient").And.Contain("FlagSeen"));
            Assert.That(constants, Does.Not.Contain("OnlyInHeader").And.Not.Contain("ElseBranch"));
            Assert.That(Compiled.Constant("SampleConstants", "FlagSeen"), Is.EqualTo(16));
            Assert.That(Compiled.Constant("SampleConstants", "FromDefine"), Is.EqualTo(16));
        });
    }

    [Test]
    public void Pass_through_defines_give_sizes_but_are_not_constants()
    {
        Assert.That(Compiled.Type("SampleConstants").GetField("PassedThrough"), Is.Null);
        Assert.That(Compiled.Call<XdrError>("SeventhNameByte"), Is.EqualTo(XdrError.LengthExceedsBound));
    }

    [Test]
    public void String_unsigned_64_bit_and_TRUE_constants()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("SampleConstants", "Hexmodulus"), Is.EqualTo("d4a0ba0250b6"));
            Assert.That(Compiled.Constant("SampleConstants", "AllBits"), Is.EqualTo(ulong.MaxValue));
            Assert.That(Compiled.Constant("SampleConstants", "Negative"), Is.EqualTo(-1));
            Assert.That(Compiled.Constant("SampleConstants", "True"), Is.EqualTo(1));
        });
    }

    [Test]
    public void Enum_members_without_values_count_on_from_the_previous_as_in_C()
    {
        Assert.That(Compiled.Call<string>("Members"), Is.EqualTo("0 1 10 11"));
    }

    [Test]
    public void Char_short_and_long_travel_as_4_byte_ints_like_xdr_char_xdr_short_xdr_long()
    {
        Assert.That(Encoded("Ints"), Is.EqualTo(
            "FFFFFFFF 000000FF FFFFFFFE 0000FFFF FFFFFFFD 00000004 00000005 00000006 00000007 FFFFFFFF FFFFFFF8 00000000 00000009 0000000A 0000000B 00000001 0000000C 00000000 0000000D"));
    }

    [Test]
    public void Library_types_have_the_wire_form_of_their_xdr_routines()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Encoded("External"), Is.EqualTo("00000001 AA000000 01020304 05060708 00000001 78000000 00000001 BB000000 00000007 00000000 00000000 00000001 00000002"));
            Assert.That(Compiled.Call<XdrError>("OversizedNetobj"), Is.EqualTo(XdrError.LengthExceedsBound));
        });
    }

    [Test]
    public void Tagged_references_name_the_types_and_a_tag_typedef_adds_no_type()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("Tagged").GetProperty("Ints")?.PropertyType.Name ?? Compiled.Type("Tagged").GetField("Ints")?.FieldType.Name, Is.EqualTo("CInts"));
            Assert.That(Compiled.Assembly.GetTypes().Count(t => t.Name == "CInts"), Is.EqualTo(1));
            Assert.That(Compiled.Assembly.GetTypes().Where(t => t.Name.EndsWith("Dispatcher`1")).Select(t => t.Name), Is.EqualTo(new[] { "TagV1Dispatcher`1" }));
        });
    }
}
