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

    [Test]
    public void Every_rpcsvc_file_generates_without_diagnostics_and_compiles()
    {
        var files = RpcsvcFiles();
        var output = GeneratorHarness.Run(files);
        Assert.That(output.Diagnostics, Is.Empty, output.Describe());
        using var compiled = output.Compile();
        foreach (var file in files)
            Assert.That(output.Sources.Keys, Does.Contain($"{file.Namespace}.{Path.GetFileNameWithoutExtension(file.Path)}.g.cs"));
    }
}
