using DittoFs.Xdr.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// The pipeline caches honestly: a C# edit reuses every parsed file and the model, and an edit of one .x
/// file re-parses that file only. This holds because the model is value-equatable, with no Roslyn symbols.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly XdrFile Types = new("/idl/types.x", "const MAXNAME = 255;\ntypedef string name<MAXNAME>;\nstruct pair { int a; int b; };\n");
    private static readonly XdrFile Enums = new("/idl/enums.x", "enum color { RED = 1, GREEN = 2 };\n");
    private static readonly XdrFile Program = new("/idl/calc.x", "program CALC_PROGRAM { version CALC_V1 { int CALCPROC_ADD(pair) = 1; } = 1; } = 0x20000001;\n");

    private static readonly XdrFile[] Files = { Types, Enums, Program };

    private static CSharpCompilation Compilation(string code) =>
        GeneratorHarness.EmptyCompilation(CSharpSyntaxTree.ParseText(code, GeneratorHarness.ParseOptions, path: "User.cs"));

    private static GeneratorRunResult Rerun(Func<GeneratorDriver, GeneratorDriver> edit, Compilation? second = null)
    {
        var compilation = Compilation("public class User { }");
        var driver = GeneratorHarness.CreateDriver(Files, trackSteps: true).RunGenerators(compilation);
        driver = edit(driver).RunGenerators(second ?? compilation);
        return driver.GetRunResult().Results.Single();
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

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
}
