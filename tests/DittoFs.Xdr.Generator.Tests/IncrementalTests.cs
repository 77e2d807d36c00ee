using DittoFs.Xdr.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// The pipeline caches honestly: a C# edit reuses every parsed file and the model, an edit of one .x file
/// re-parses that file only, and re-emits only the sources whose slice of the model it changed. This holds
/// because the model and its slices are value-equatable, with no Roslyn symbols.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly XdrFile Types = new("/idl/types.x", "const MAXNAME = 255;\ntypedef string name<MAXNAME>;\nstruct pair { int a; int b; };\n");
    private static readonly XdrFile Enums = new("/idl/enums.x", "enum color { RED = 1, GREEN = 2 };\n");
    private static readonly XdrFile Program = new("/idl/calc.x", "struct labelled { string label<MAXNAME>; };\nprogram CALC_PROGRAM { version CALC_V1 { int CALCPROC_ADD(pair) = 1; int CALCPROC_LENGTH(name) = 2; int CALCPROC_MEASURE(labelled) = 3; } = 1; } = 0x20000001;\n");

    private static readonly XdrFile[] Files = { Types, Enums, Program };

    private static CSharpCompilation Compilation(string code) =>
        GeneratorHarness.EmptyCompilation(CSharpSyntaxTree.ParseText(code, GeneratorHarness.ParseOptions, path: "User.cs"));

    /// <summary>Copies of the real mount3.x and nfs3.x: neither names a type of the other.</summary>
    private static XdrFile[] RealMountAndNfs() =>
        new[] { "mount3.x", "nfs3.x" }.Select(name => new XdrFile("/idl/" + name, File.ReadAllText(RepositoryFiles.Idl(name)))).ToArray();

    private static GeneratorRunResult Rerun(Func<GeneratorDriver, GeneratorDriver> edit, Compilation? second = null) => Rerun(Files, edit, second);

    private static GeneratorRunResult Rerun(XdrFile[] files, Func<GeneratorDriver, GeneratorDriver> edit, Compilation? second = null)
    {
        var compilation = Compilation("public class User { }");
        var driver = GeneratorHarness.CreateDriver(files, trackSteps: true).RunGenerators(compilation);
        driver = edit(driver).RunGenerators(second ?? compilation);
        return driver.GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    /// <summary>How each source came out of the emit steps, by hint name.</summary>
    private static Dictionary<string, IncrementalStepRunReason> EmitReasons(GeneratorRunResult result) =>
        new[] { XdrGenerator.FileEmitStep, XdrGenerator.SharedCodecsEmitStep }
            .SelectMany(step => result.TrackedSteps[step])
            .SelectMany(s => s.Outputs)
            .ToDictionary(o => ((Emit.EmittedSource)o.Value).HintName, o => o.Reason);

    private static readonly IncrementalStepRunReason[] NotEmittedAgain = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    [Test]
    public void An_unrelated_CSharp_edit_reuses_every_parsed_file_and_the_model()
    {
        var result = Rerun(driver => driver, Compilation("public class User { public int Added; }"));
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, XdrGenerator.ParseStep), Has.Length.EqualTo(3).And.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
            Assert.That(Reasons(result, XdrGenerator.ModelStep), Has.Length.EqualTo(1).And.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
            Assert.That(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason),
                Is.Not.Empty.And.All.EqualTo(IncrementalStepRunReason.Cached));
        });
    }

    [Test]
    public void Editing_one_x_file_reparses_that_file_only()
    {
        var edited = new XdrFile(Enums.Path, "enum color { RED = 1, GREEN = 2, BLUE = 4 };\n");
        var result = Rerun(driver => driver.ReplaceAdditionalText(Enums, edited));
        var parse = result.TrackedSteps[XdrGenerator.ParseStep];
        var reparsed = parse.Where(s => s.Outputs.Any(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New))
            .Select(s => ((Parsing.XdrFileSyntax)s.Outputs[0].Value).Path);
        Assert.Multiple(() =>
        {
            Assert.That(reparsed, Is.EqualTo(new[] { Enums.Path }));
            Assert.That(Reasons(result, XdrGenerator.ParseStep).Count(r => r == IncrementalStepRunReason.Cached), Is.EqualTo(2));
            Assert.That(Reasons(result, XdrGenerator.ModelStep), Is.EqualTo(new[] { IncrementalStepRunReason.Modified }));
        });
    }

    [Test]
    public void With_XdrNamespace_an_edit_reparses_and_re_emits_that_file_only()
    {
        XdrFile[] files =
        {
            new("/idl/alpha.x", "struct point { int x; int y; };\n", "Alpha"),
            new("/idl/beta.x", "struct point { hyper x; };\n", "Beta"),
            new("/idl/plain.x", "struct point { unsigned int x; };\n"),
        };
        var edited = new XdrFile(files[0].Path, "struct point { int x; int y; int z; };\n", "Alpha");
        var result = Rerun(files, driver => driver.ReplaceAdditionalText(files[0], edited));
        var reasons = EmitReasons(result);
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, XdrGenerator.ParseStep).Count(r => r == IncrementalStepRunReason.Cached), Is.EqualTo(2));
            Assert.That(reasons["Alpha.alpha.g.cs"], Is.EqualTo(IncrementalStepRunReason.Modified));
            Assert.That(reasons["Beta.beta.g.cs"], Is.AnyOf(NotEmittedAgain));
            Assert.That(reasons["plain.g.cs"], Is.AnyOf(NotEmittedAgain));
        });
    }

    [Test]
    public void Changing_one_file_s_XdrNamespace_reparses_that_file_only()
    {
        XdrFile[] files =
        {
            new("/idl/alpha.x", "struct point { int x; };\n", "Alpha"),
            new("/idl/plain.x", "struct other { int x; };\n"),
        };
        var moved = new XdrFile(files[0].Path, files[0].Text, "Moved");
        var result = Rerun(files, driver => driver.ReplaceAdditionalText(files[0], moved));
        var reasons = EmitReasons(result);
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, XdrGenerator.ParseStep).Count(r => r == IncrementalStepRunReason.Cached), Is.EqualTo(1));
            Assert.That(reasons.Keys, Does.Contain("Moved.alpha.g.cs"));
            Assert.That(reasons["plain.g.cs"], Is.AnyOf(NotEmittedAgain));
        });
    }

    [Test]
    public void An_edit_that_changes_no_definition_leaves_the_model_cached()
    {
        // A comment after the last definition moves nothing: the parse is equal, so the model is not rebuilt.
        var edited = new XdrFile(Enums.Path, Enums.Text + "/* trailing remark */\n");
        var result = Rerun(driver => driver.ReplaceAdditionalText(Enums, edited));
        Assert.Multiple(() =>
        {
            Assert.That(Reasons(result, XdrGenerator.ParseStep), Does.Contain(IncrementalStepRunReason.Unchanged));
            Assert.That(Reasons(result, XdrGenerator.ModelStep), Is.EqualTo(new[] { IncrementalStepRunReason.Cached }));
        });
    }

    [Test]
    public void A_rerun_with_an_edit_produces_the_same_sources_as_a_fresh_run()
    {
        var edited = new XdrFile(Enums.Path, "enum color { RED = 1, GREEN = 2, BLUE = 4 };\n");
        var compilation = Compilation("public class User { }");
        var driver = GeneratorHarness.CreateDriver(Files).RunGenerators(compilation);
        driver = driver.ReplaceAdditionalText(Enums, edited).RunGenerators(compilation);
        var incremental = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        var fresh = GeneratorHarness.Run(Types, edited, Program).Sources;
        Assert.That(incremental, Is.EqualTo(fresh));
    }

    [Test]
    public void Editing_mount3_x_re_emits_mount3_only_and_leaves_nfs3_cached()
    {
        var files = RealMountAndNfs();
        var mount = files[0];
        var edited = new XdrFile(mount.Path, mount.Text + "\nconst DITTO_PROBE = 7;\n");
        var reasons = EmitReasons(Rerun(files, driver => driver.ReplaceAdditionalText(mount, edited)));
        Assert.Multiple(() =>
        {
            Assert.That(reasons["mount3.g.cs"], Is.EqualTo(IncrementalStepRunReason.Modified));
            Assert.That(reasons["nfs3.g.cs"], Is.AnyOf(NotEmittedAgain));
            Assert.That(reasons["XdrSharedCodecs.g.cs"], Is.AnyOf(NotEmittedAgain));
        });
    }

    [Test]
    public void Editing_a_constant_re_emits_the_file_whose_types_are_bounded_by_it()
    {
        // calc.x declares a string<MAXNAME> (MAXNAME in types.x): its struct reads at most MAXNAME bytes. (Name, the
        // typedef of types.x that calc.x also takes, is emitted with types.x, which the edit re-emits anyway.)
        var edited = new XdrFile(Types.Path, Types.Text.Replace("MAXNAME = 255", "MAXNAME = 127"));
        var result = Rerun(driver => driver.ReplaceAdditionalText(Types, edited));
        var reasons = EmitReasons(result);
        Assert.Multiple(() =>
        {
            Assert.That(reasons["calc.g.cs"], Is.EqualTo(IncrementalStepRunReason.Modified));
            Assert.That(reasons["enums.g.cs"], Is.AnyOf(NotEmittedAgain));
            Assert.That(result.GeneratedSources.Single(s => s.HintName == "calc.g.cs").SourceText.ToString(), Does.Contain("ReadOpaque(127u)"));
        });
    }

    [Test]
    public void Changing_the_size_of_a_struct_re_emits_the_file_of_a_struct_that_holds_it()
    {
        // box.x holds a pair (types.x) by value, so Box.FixedSize is the size of a pair plus 4.
        var box = new XdrFile("/idl/box.x", "struct box { pair p; int label; };\n");
        var files = new[] { Types, Enums, box };
        var edited = new XdrFile(Types.Path, Types.Text.Replace("struct pair { int a; int b; }", "struct pair { int a; hyper b; }"));
        var result = Rerun(files, driver => driver.ReplaceAdditionalText(Types, edited));
        Assert.Multiple(() =>
        {
            Assert.That(EmitReasons(result)["box.g.cs"], Is.EqualTo(IncrementalStepRunReason.Modified));
            Assert.That(result.GeneratedSources.Single(s => s.HintName == "box.g.cs").SourceText.ToString(), Does.Contain("FixedSize = 16;"));
        });
    }
}
