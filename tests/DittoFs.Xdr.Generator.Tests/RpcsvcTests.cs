using DittoFs.Xdr.Generator.Model;
using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// The classic .x files Debian's rpcsvc-proto installs in /usr/include/rpcsvc, as a user would bring them:
/// every one in a namespace of its own (XdrNamespace), nis.x including nis_object.x.
/// </summary>
public sealed class RpcsvcTests
{
    private const string Folder = "/usr/include/rpcsvc";

    private static XdrFile[] RpcsvcFiles()
    {
        if (!Directory.Exists(Folder) || Directory.GetFiles(Folder, "*.x").Length == 0)
            Assert.Ignore($"{Folder}/*.x is not installed (Debian package rpcsvc-proto)");
        return Directory.GetFiles(Folder, "*.x").OrderBy(p => p, StringComparer.Ordinal)
            .Select(path => new XdrFile(path, File.ReadAllText(path), NamespaceOf(path)))
            .ToArray();
    }

    /// <summary>
    /// Each file in a namespace of its own, but nis_callback.x, which names nis.x's types without including it
    /// (its C includes rpcsvc/nis.h): a user puts it beside nis.x, as rpcgen's C output would need.
    /// </summary>
    private static string NamespaceOf(string path) =>
        "Rpcsvc." + Names.Pascal(Path.GetFileNameWithoutExtension(path) == "nis_callback" ? "nis" : Path.GetFileNameWithoutExtension(path));

    /// <summary>One type of each file and an encoding of a value of it, in the meaning rpcgen's C gives the file.</summary>
    private static readonly (string Type, string Hex)[] Samples =
    {
        ("Rpcsvc.BootparamProt.IpAddrT", "00000001 00000002 00000003 00000004"), // char: xdr_char, 4 bytes each
        ("Rpcsvc.KeyProt.Cryptkeyarg", "00000003 61626300 01020304 05060708"), // des_block: opaque[8]
        ("Rpcsvc.KlmProt.KlmHolder", "00000001 00000007 00000010 00000020"),
        ("Rpcsvc.Mount.Fhandle", "00010203 04050607 08090A0B 0C0D0E0F 10111213 14151617 18191A1B 1C1D1E1F"),
        ("Rpcsvc.NfsProt.Nfstime", "00000001 00000002"),
        ("Rpcsvc.Nis.PingArgs", "00000001 61000000 00000005"),
        ("Rpcsvc.Nis.CbackData", "00000000"), // nis_callback.x
        ("Rpcsvc.NisObject.NisAttr", "00000001 61000000 00000002 AABB0000"),
        ("Rpcsvc.NlmProt.NlmHolder", "00000000 00000007 00000002 AABB0000 00000010 00000020"), // netobj: opaque<1024>
        ("Rpcsvc.Rex.RexResult", "00000005 00000002 6F6B0000"),
        ("Rpcsvc.Rquota.GetquotaArgs", "00000001 2F000000 000003E8"),
        ("Rpcsvc.Rstat.RstatTimeval", "00000001 00000002"),
        ("Rpcsvc.Rusers.RusersUtmp", "00000001 75000000 00000001 6C000000 00000001 68000000 00000007 00000008 00000009"),
        ("Rpcsvc.SmInter.MyId", "00000001 68000000 000186B5 00000001 00000001"),
        ("Rpcsvc.Spray.Spraytimeval", "00000001 00000002"),
        ("Rpcsvc.Yp.YprespKeyVal", "00000001 00000001 76000000 00000001 6B000000"), // val before key, as glibc has it
        ("Rpcsvc.Yppasswd.Passwd", "00000001 61000000 00000001 78000000 000003E8 00000064 00000000 00000001 2F000000 00000000"),
    };

    private static string RoundTripProbe() =>
        """
            private static byte[] RoundTrip<T>(byte[] bytes) where T : IXdrCodec<T>
            {
                if (!XdrCodec.TryDecode<T, T>(bytes, out var value, out var error))
                    throw new InvalidOperationException(typeof(T).Name + ": " + error);
                return XdrCodec.Encode(value);
            }

            public static byte[] RoundTrip(string type, byte[] bytes) => type switch
            {
        """ + string.Concat(Samples.Select(s => $"        \"{s.Type}\" => RoundTrip<global::{s.Type}>(bytes),\n")) + """
                _ => throw new ArgumentException(type),
            };
        """;

    [Test]
    public void A_value_of_one_type_of_each_file_round_trips_through_its_codec()
    {
        var files = RpcsvcFiles();
        using var compiled = GeneratorHarness.Run(files).Compile(RoundTripProbe());
        Assert.Multiple(() =>
        {
            foreach (var file in files.Where(f => f.Namespace != "Rpcsvc.Nis" || Path.GetFileName(f.Path) == "nis.x"))
                Assert.That(Samples.Any(s => s.Type.StartsWith(file.Namespace + ".", StringComparison.Ordinal)), $"no sample for {file.Path}");
            foreach (var (type, hex) in Samples)
                Assert.That(Hex.Words(compiled.Call<byte[]>("RoundTrip", type, Hex.Bytes(hex))), Is.EqualTo(Hex.Words(Hex.Bytes(hex))), type);
        });
    }

    [Test]
    public void Every_rpcsvc_file_generates_without_diagnostics_and_compiles()
    {
        var files = RpcsvcFiles();
        var output = GeneratorHarness.Run(files);
        Assert.That(output.Diagnostics, Is.Empty, output.Describe());
        if (Environment.GetEnvironmentVariable("XDR_DUMP") is string dump)
            foreach (var source in output.Sources)
                File.WriteAllText(Path.Combine(dump, source.Key), source.Value);
        using var compiled = output.Compile();
        foreach (var file in files)
            Assert.That(output.Sources.Keys, Does.Contain($"{file.Namespace}.{Path.GetFileNameWithoutExtension(file.Path)}.g.cs"));
    }
}
