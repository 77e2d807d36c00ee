using DittoFs.Xdr.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// Separate protocol files that declare the same names: in one namespace a clash is an error that names both
/// files and the XdrNamespace item metadata; with it each file is generated into its own namespace, resolved on
/// its own. <c>#include</c> brings another file's definitions into the including file's namespace.
/// </summary>
public sealed class NamespaceTests
{
    private const string Common = "const MAXNAME = 16;\nstruct stamp { unsigned int seconds; };\n";

    [Test]
    public void Two_files_declaring_one_name_in_one_namespace_is_an_error_naming_both_files_and_the_option()
    {
        var output = GeneratorHarness.Run(new XdrFile("/idl/a.x", Common), new XdrFile("/idl/b.x", Common));
        var duplicates = output.Diagnostics.Where(d => d.Id == "XDR003").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(duplicates, Is.Not.Empty, output.Describe());
            Assert.That(duplicates[0].Location.GetLineSpan().Path, Is.EqualTo("/idl/b.x"));
            Assert.That(duplicates[0].GetMessage(), Does.Contain("'/idl/a.x'").And.Contain("XdrNamespace").And.Contain("<AdditionalFiles Include=\"b.x\""));
            Assert.That(output.Sources, Is.Empty);
        });
    }

    [Test]
    public void With_XdrNamespace_each_file_is_generated_into_its_own_namespace()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/a.x", Common + "typedef stamp list<MAXNAME>;\n"),
            new XdrFile("/idl/b.x", Common + "typedef stamp list<MAXNAME>;\n", "Other.Protocol"));
        Assert.That(output.Sources.Keys, Is.EquivalentTo(new[] { "a.g.cs", "XdrSharedCodecs.g.cs", "Other.Protocol.b.g.cs", "Other.Protocol.XdrSharedCodecs.g.cs" }), output.Describe());
        Assert.That(output.Source("Other.Protocol.b.g.cs"), Does.Contain("namespace Other.Protocol;"));
        using var compiled = output.Compile();
        Assert.Multiple(() =>
        {
            Assert.That(compiled.Type("Stamp"), Is.Not.Null);
            Assert.That(compiled.Assembly.GetType("Other.Protocol.Stamp"), Is.Not.Null);
            Assert.That(compiled.Assembly.GetType("Other.Protocol.BConstants")?.GetField("Maxname")?.GetRawConstantValue(), Is.EqualTo(16));
        });
    }

    [Test]
    public void Files_naming_the_same_XdrNamespace_share_their_names()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/types.x", Common, "Shared"),
            new XdrFile("/idl/use.x", "struct holder { stamp when; string name<MAXNAME>; };\n", "Shared"));
        using var compiled = output.Compile();
        Assert.That(compiled.Assembly.GetType("Shared.Holder"), Is.Not.Null);
    }

    [Test]
    public void An_include_brings_the_included_definitions_into_the_including_namespace()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/common.x", Common),
            new XdrFile("/idl/sub/user.x", "#include \"../common.x\"\nstruct holder { struct stamp when; };\n", "User"),
            new XdrFile("/idl/plain.x", "struct other { stamp when; };\n"));
        Assert.That(output.Sources.Keys, Is.EquivalentTo(new[] { "common.g.cs", "plain.g.cs", "XdrSharedCodecs.g.cs", "User.common.g.cs", "User.user.g.cs", "User.XdrSharedCodecs.g.cs" }), output.Describe());
        using var compiled = output.Compile();
        Assert.Multiple(() =>
        {
            Assert.That(compiled.Assembly.GetType("User.Stamp"), Is.Not.Null);
            Assert.That(compiled.Assembly.GetType("User.Holder")?.GetField("When")?.FieldType, Is.EqualTo(compiled.Assembly.GetType("User.Stamp")));
            Assert.That(compiled.Type("Stamp"), Is.Not.Null);
        });
    }

    [Test]
    public void An_include_of_a_file_in_the_same_namespace_adds_nothing()
    {
        var output = GeneratorHarness.Run(new XdrFile("/idl/common.x", Common), new XdrFile("/idl/user.x", "#include \"common.x\"\nstruct holder { stamp when; };\n"));
        Assert.That(output.Sources.Keys, Is.EquivalentTo(new[] { "common.g.cs", "user.g.cs", "XdrSharedCodecs.g.cs" }), output.Describe());
    }

    [Test]
    public void An_include_found_nowhere_is_reported_at_the_include_line()
    {
        var output = GeneratorHarness.Run(new XdrFile("/idl/user.x", "const A = 1;\n#include \"missing.x\"\n"));
        var diagnostic = output.Diagnostics.Single();
        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Id, Is.EqualTo("XDR002"));
            Assert.That(diagnostic.Location.GetLineSpan().StartLinePosition.Line, Is.EqualTo(1));
            Assert.That(diagnostic.GetMessage(), Does.Contain("missing.x").And.Contain("AdditionalFiles"));
        });
    }

    [Test]
    public void An_error_in_a_file_included_into_two_namespaces_is_reported_once_and_blocks_both()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/broken.x", "struct s { int x };\n"),
            new XdrFile("/idl/user.x", "#include \"broken.x\"\nstruct holder { s value; };\n", "User"));
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics.Count(d => d.Id == "XDR001"), Is.EqualTo(1), output.Describe());
            Assert.That(output.Sources, Is.Empty);
        });
    }

    [Test]
    public void A_missing_include_blocks_only_the_namespace_of_the_including_file()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/plain.x", "struct other { int x; };\n"),
            new XdrFile("/idl/user.x", "#include \"missing.x\"\nstruct holder { int x; };\n", "User"));
        Assert.Multiple(() =>
        {
            Assert.That(output.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "XDR002" }));
            Assert.That(output.Sources.Keys, Is.EquivalentTo(new[] { "plain.g.cs", "XdrSharedCodecs.g.cs" }));
        });
    }
}
