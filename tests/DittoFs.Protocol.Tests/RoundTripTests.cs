using System.Reflection;
using DittoFs.Protocol.Tests.Support;
using DittoFs.Xdr;

namespace DittoFs.Protocol.Tests;

/// <summary>
/// Every codec the generator emitted for idl/*.x (RPC, portmap, MOUNT, NFSv3, NFSv4, NLM, NSM): random values within
/// the declared bounds encode, decode consuming exactly the encoded bytes, and encode again to the same bytes.
/// </summary>
public class RoundTripTests
{
    private const int Iterations = 300;

    public static IEnumerable<TestCaseData> AllCodecs() =>
        CodecCases.In(CodecCases.Protocol).Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()!));

    [TestCaseSource(nameof(AllCodecs))]
    public void Random_values_encode_decode_and_encode_to_the_same_bytes(ICodecCase codec) => AssertRoundTrips(codec);

    /// <summary>
    /// Idl/probe.x: odd-length fixed opaque, fixed and bounded arrays, float and double, optional data that
    /// is not a list, a self-linked list, a short bounded string.
    /// </summary>
    [Test]
    public void Shapes_that_the_protocol_files_do_not_use_round_trip_too() => AssertRoundTrips(CodecCases.For<ProbeShapes, ProbeShapes>());

    private static void AssertRoundTrips(ICodecCase codec)
    {
        int seed = Seeds.For(codec.ToString()!);
        var random = new RandomXdrValues(seed);
        for (int i = 0; i < Iterations; i++)
        {
            var value = random.Next(codec.ValueType, codec.Bound);
            string where = $"{codec} seed {seed} iteration {i}";

            byte[] first = codec.Encode(value);
            Assert.That(first.Length % 4, Is.Zero, $"{where}: XDR items are multiples of four bytes");
            var (decoded, error, consumed) = codec.Decode(first);
            Assert.That(error, Is.EqualTo(XdrError.None), where);
            Assert.That(consumed, Is.EqualTo(first.Length), $"{where}: the decoder must consume exactly the encoded bytes");
            // Into a buffer of other garbage: bytes the encoder leaves unwritten differ between the two.
            byte[] second = codec.Encode(decoded, fill: 0x33);
            Assert.That(second, Is.EqualTo(first), where);
        }

        // Discriminants are drawn like any enum: the success arm and some error arm both came up.
        foreach (var (enumType, made) in random.EnumValuesMade)
        {
            var declared = Enum.GetValues(enumType);
            Assert.That(made, Does.Contain(declared.GetValue(0)), $"{codec}: {enumType.Name} never drew its first value");
            Assert.That(made, Has.Count.GreaterThanOrEqualTo(Math.Min(2, declared.Length)), $"{codec}: {enumType.Name} drew one value only");
        }
    }

    [Test]
    public void Every_NFSv3_and_MOUNTv3_argument_and_result_type_has_a_round_trip_case()
    {
        var covered = CodecCases.In(CodecCases.Protocol).Select(c => c.ValueType).ToHashSet();
        var nfs = ProcedureTypes(typeof(INfsV3<>));
        var mount = ProcedureTypes(typeof(IMountV3<>));

        Assert.That(nfs.Arguments, Has.Count.EqualTo(21), "NFSv3 has 21 procedures besides NULL, each with its own arguments");
        Assert.That(nfs.Results, Has.Count.EqualTo(21));
        // Result unions carry their resok and resfail arms as fields.
        var arms = nfs.Results.SelectMany(r => r.GetFields()).Select(f => f.FieldType).Where(t => t.Name.EndsWith("Resok") || t.Name.EndsWith("Resfail")).ToList();
        Assert.That(arms.Count(t => t.Name.EndsWith("Resok")), Is.EqualTo(21));
        Assert.That(arms.Count(t => t.Name.EndsWith("Resfail")), Is.EqualTo(20), "GETATTR3res alone has a void error arm");

        Assert.That(mount.Arguments, Is.EquivalentTo(new[] { typeof(Dirpath) }), "dirpath, of MNT and UMNT");
        Assert.That(mount.Results, Is.EquivalentTo(new[] { typeof(Mountres3), typeof(XdrList<Mountbody, Mountbody>), typeof(XdrList<Exportnode, Exportnode>) }));

        Assert.That(covered, Is.SupersetOf(nfs.Arguments.Concat(nfs.Results).Concat(arms)));
        Assert.That(covered, Is.SupersetOf(mount.Arguments.Concat(mount.Results)));
    }

    [Test]
    public void Every_opaque_field_of_the_protocol_has_its_declared_bound_listed()
    {
        var unlisted =
            from codec in CodecCases.In(CodecCases.Protocol)
            let type = codec.CodecType
            from field in type.GetFields(BindingFlags.Public | BindingFlags.Instance)
            where XdrBounds.IsOpaque(field.FieldType) && !XdrBounds.TryGetOpaque(field, out _)
            select XdrBounds.Key(field);
        Assert.That(unlisted, Is.Empty);
    }

    private static (HashSet<Type> Arguments, HashSet<Type> Results) ProcedureTypes(Type service)
    {
        var arguments = new HashSet<Type>();
        var results = new HashSet<Type>();
        foreach (var method in service.GetMethods())
        {
            foreach (var parameter in method.GetParameters().Where(p => !p.ParameterType.IsGenericParameter))
                arguments.Add(parameter.ParameterType);
            if (method.ReturnType.IsGenericType)
                results.Add(method.ReturnType.GetGenericArguments()[0]);
        }
        return (arguments, results);
    }
}
