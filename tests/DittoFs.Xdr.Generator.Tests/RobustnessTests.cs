using System.Text;
using DittoFs.Xdr.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// Whatever text an .x file holds, the generator answers with XDR diagnostics: it never throws (the
/// compiler would report CS8785 and generate nothing) and never reports an internal error of its own.
/// </summary>
public sealed class RobustnessTests
{
    private const string Path = "/idl/fuzz.x";

    /// <summary>Runs the generator on <paramref name="text"/>; returns what went wrong, or null if it answered properly.</summary>
    private static string? Problem(string text)
    {
        var output = GeneratorHarness.Run(new XdrFile(Path, text));
        if (output.Exception is not null)
            return $"threw {output.Exception.GetType().Name}: {output.Exception.Message}";
        int lines = text.Split('\n').Length;
        foreach (var diagnostic in output.Diagnostics)
        {
            var span = diagnostic.Location.GetLineSpan();
            if (!diagnostic.Id.StartsWith("XDR", StringComparison.Ordinal) || diagnostic.GetMessage().Contains("internal error", StringComparison.Ordinal))
                return $"reported {diagnostic}";
            if (span.Path != Path || span.StartLinePosition.Line >= lines || diagnostic.Location.SourceSpan.End > text.Length)
                return $"reported {diagnostic} outside the file";
        }
        if (output.Diagnostics.IsEmpty && !output.Sources.ContainsKey("fuzz.g.cs"))
            return "reported nothing and generated nothing";
        return null;
    }

    private static void AssertAllHandled(IEnumerable<(string Label, string Text)> inputs)
    {
        var problems = inputs
            .AsParallel().AsOrdered()
            .Select(input => (input.Label, input.Text, Problem: Problem(input.Text)))
            .Where(r => r.Problem is not null)
            .Take(5)
            .Select(r => $"{r.Label}: {r.Problem}\n---\n{r.Text}\n---")
            .ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void Every_truncated_prefix_of_nfs3_x_yields_diagnostics_not_a_crash()
    {
        string nfs3 = File.ReadAllText(RepositoryFiles.Idl("nfs3.x"));
        // Every 53rd character (a prime, so cuts drift through tokens), and the end of every 5th line: cuts land
        // inside comments, keywords, numbers and bodies, and between definitions.
        var lineEnds = Enumerable.Range(0, nfs3.Length).Where(i => nfs3[i] == '\n').Where((_, line) => line % 5 == 0);
        var cuts = Enumerable.Range(0, nfs3.Length / 53).Select(i => i * 53).Concat(lineEnds).Distinct();
        AssertAllHandled(cuts.Select(cut => ($"prefix of {cut} characters", nfs3[..cut])));
    }

    [Test]
    public void Whatever_prefix_of_nfs3_x_the_generator_accepts_compiles()
    {
        string nfs3 = File.ReadAllText(RepositoryFiles.Idl("nfs3.x"));
        // Cut after top-level definitions; keep those the generator accepts (no forward references yet), then a sample.
        var accepted = Enumerable.Range(0, nfs3.Length)
            .Where(i => nfs3[i] == ';' && (i + 1 == nfs3.Length || nfs3[i + 1] == '\n') && (i == 0 || nfs3[..i].TrimEnd().LastIndexOf('\n') is int start && !char.IsWhiteSpace(nfs3[start + 1])))
            .Select(i => GeneratorHarness.Run(new XdrFile(Path, nfs3[..(i + 1)])))
            .Where(output => output.Diagnostics.IsEmpty)
            .ToList();
        Assert.That(accepted, Has.Count.GreaterThan(20), "nfs3.x should have many definition boundaries without forward references");
        var sample = accepted.Where((_, index) => index % (accepted.Count / 6) == 0).Append(accepted[^1]);
        var errors = sample
            .SelectMany(output => output.Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
            .Select(d => d.ToString())
            .Take(10)
            .ToList();
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void Random_garbage_yields_diagnostics_not_a_crash()
    {
        string[] vocabulary =
        {
            "const", "typedef", "enum", "struct", "union", "switch", "case", "default", "program", "version",
            "void", "int", "unsigned", "hyper", "float", "double", "quadruple", "bool", "opaque", "string",
            "TRUE", "FALSE", "x", "node", "N", "list_t", "0", "1", "-1", "07", "08", "0x1F", "0x", "99999999999999999999",
            "{", "}", "(", ")", "[", "]", "<", ">", ";", ":", ",", "=", "*", "-", "/*", "*/", "//", "%", "\n", " ", "\t", "\r\n", "é", "\0",
        };
        var random = new Random(4506);
        var inputs = Enumerable.Range(0, 1500).Select(i =>
        {
            var text = new StringBuilder();
            int length = random.Next(0, 60);
            for (int t = 0; t < length; t++)
                text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(random.Next(3) == 0 ? "" : " ");
            return ($"random input {i}", text.ToString());
        });
        AssertAllHandled(inputs);
    }

    [Test]
    public void Real_idl_with_a_token_deleted_or_replaced_yields_diagnostics_not_a_crash()
    {
        var random = new Random(1813);
        string[] replacements = { "", ";", "}", "{", "struct", "*", "<>", "[]", "void", "0x", "x y" };
        var inputs = RepositoryFiles.AllIdl().SelectMany(path =>
        {
            string text = File.ReadAllText(path);
            return Enumerable.Range(0, 150).Select(i =>
            {
                int start = random.Next(text.Length);
                int length = random.Next(1, 12);
                string replacement = replacements[random.Next(replacements.Length)];
                string mutated = text[..start] + replacement + text[Math.Min(text.Length, start + length)..];
                return ($"{System.IO.Path.GetFileName(path)} with [{start}, +{length}) replaced by '{replacement}'", mutated);
            });
        });
        AssertAllHandled(inputs);
    }

    [Test]
    public void Bodies_nested_too_deeply_are_a_syntax_error_not_a_stack_overflow()
    {
        const int depth = 2000;
        string text = "struct outer " + string.Concat(Enumerable.Repeat("{ struct ", depth)) + "{ int x; }" + string.Concat(Enumerable.Repeat(" inner; }", depth)) + ";";
        var output = GeneratorHarness.Run(new XdrFile(Path, text));
        Assert.That(output.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "XDR001" }), output.Describe());
        Assert.That(output.Diagnostics[0].GetMessage(), Does.Contain("levels of nested bodies"));
    }

    [Test]
    public void Nesting_within_the_limit_is_fine()
    {
        const int depth = 31; // the outer struct is one more level
        string text = "struct outer " + string.Concat(Enumerable.Repeat("{ struct ", depth)) + "{ int x; }" + string.Concat(Enumerable.Repeat(" inner; }", depth)) + ";";
        Assert.That(GeneratorHarness.Run(new XdrFile(Path, text)).Diagnostics, Is.Empty);
    }

    [TestCase("typedef t{0} t{1};", "typedef int t0;", "typedefs")]
    [TestCase("const C{1} = C{0};", "const C0 = 1;", "constants")]
    public void A_chain_of_thousands_of_definitions_written_backwards_is_a_diagnostic_not_a_stack_overflow(string link, string end, string what)
    {
        // Written last-to-first, so resolving the first definition walks the whole chain.
        var lines = Enumerable.Range(0, 5000).Reverse().Select(i => string.Format(link, i, i + 1)).Append(end);
        var output = GeneratorHarness.Run(new XdrFile(Path, string.Join("\n", lines)));
        Assert.That(output.Diagnostics.Select(d => d.GetMessage()), Has.Some.Contains($"a chain of more than 256 {what}").And.All.StartsWith(what == "typedefs" ? "Typedef" : "Constant"));
    }

    [Test]
    public void A_chain_of_thousands_of_structs_is_checked_without_recursion()
    {
        var lines = Enumerable.Range(0, 5000).Select(i => $"struct s{i} {{ s{i + 1} next; }};").Append("struct s5000 { int x; };");
        var output = GeneratorHarness.Run(new XdrFile(Path, string.Join("\n", lines)));
        Assert.That(output.Diagnostics, Is.Empty, output.Describe());
    }
}
