using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>The project's own idl/*.x, read from the repository, through the generator.</summary>
public sealed class RealIdlTests
{
    private static XdrFile[] RealIdl(Func<string, string, string>? edit = null) =>
        RepositoryFiles.AllIdl()
            .Select(path => new XdrFile(path, edit is null ? File.ReadAllText(path) : edit(Path.GetFileName(path), File.ReadAllText(path))))
            .ToArray();

    [Test]
    public void The_real_idl_generates_without_diagnostics()
    {
        var output = GeneratorHarness.Run(RealIdl());
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics, Is.Empty, output.Describe());
            Assert.That(output.Sources.Keys, Is.EquivalentTo(new[] { "mount3.g.cs", "nfs3.g.cs", "nfs4_prot.g.cs", "nlm_prot.g.cs", "portmap.g.cs", "rpc_prot.g.cs", "rpcbind.g.cs", "sm_inter.g.cs", "XdrSharedCodecs.g.cs" }));
        });
    }

    [Test]
    public void A_constant_appended_to_nfs3_x_appears_in_Nfs3Constants()
    {
        var output = GeneratorHarness.Run(RealIdl((file, text) => file == "nfs3.x" ? text + "\nconst DITTO_PROBE = 4242;\n" : text));
        using var compiled = output.Compile();
        Assert.That(compiled.Constant("Nfs3Constants", "DittoProbe"), Is.EqualTo(4242));
    }

    [Test]
    public void The_real_idl_compiles_into_the_program_types_the_services_implement()
    {
        using var compiled = GeneratorHarness.Run(RealIdl()).Compile();
        string[] expected =
        {
            "INfsV3`1", "NfsV3Dispatcher`1", "NfsV3Client", "NfsV3Program", "NfsV3Procedure",
            "IMountV3`1", "MountV3Dispatcher`1", "MountV3Client",
            "IPmapV2`1", "PmapV2Dispatcher`1", "PmapV2Client", "RpcbV3Client",
            "INfs4V4`1", "Nfs4V4Dispatcher`1", "Nfs4V4Client", "Nfs4V4Program", "Nfs4V4Procedure",
            "INfs4CallbackV1`1", "Nfs4CallbackV1Dispatcher`1", "Nfs4CallbackV1Client",
        };
        Assert.That(expected.Where(name => compiled.Assembly.GetType($"{GeneratorHarness.Namespace}.{name}") is null), Is.Empty);
    }

    [Test]
    public void Fattr3_declares_its_84_bytes_and_post_op_attr_none()
    {
        using var compiled = GeneratorHarness.Run(RealIdl()).Compile();
        Assert.Multiple(() =>
        {
            // RFC 1813 §2.5: type, mode, nlink, uid, gid (4 each), size, used, rdev, fsid, fileid (8 each), three times (8 each).
            Assert.That(compiled.Constant("Fattr3", "FixedSize"), Is.EqualTo(84));
            Assert.That(compiled.Type("PostOpAttr").GetField("FixedSize"), Is.Null);
        });
    }

    [Test]
    public void A_LOOKUP_call_decodes_from_the_wire()
    {
        const string Probe = """
            public static string DecodeLookup(byte[] bytes)
            {
                var args = XdrCodec.Decode<Lookup3Args>(bytes);
                return $"{Convert.ToHexString(args.What.Dir.Data.Span)} {System.Text.Encoding.ASCII.GetString(args.What.Name.Span)}";
            }

            public static XdrError LookupError(byte[] bytes) => ErrorOf<Lookup3Args>(bytes);
            """;
        using var compiled = GeneratorHarness.Run(RealIdl()).Compile(Probe);
        Assert.Multiple(() =>
        {
            // nfs_fh3 { opaque data<NFS3_FHSIZE>; }, then filename3 (string<DITTO_MAXNAMLEN>).
            Assert.That(compiled.Call<string>("DecodeLookup", Hex.Bytes("00000004 CAFEF00D 00000005 68656C6C 6F000000")), Is.EqualTo("CAFEF00D hello"));
            // A 65-byte handle exceeds NFS3_FHSIZE.
            Assert.That(compiled.Call<XdrError>("LookupError", Hex.Bytes("00000041" + new string('0', 136))), Is.EqualTo(XdrError.LengthExceedsBound));
        });
    }
}
