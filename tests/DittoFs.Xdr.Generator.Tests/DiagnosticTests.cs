using DittoFs.Xdr.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DittoFs.Xdr.Generator.Tests;

/// <summary>
/// Errors in .x files are diagnostics with a stable id, pointing at the offending token of the right file
/// (lines and columns below are 1-based, as shown to users), and nothing is generated while any remains.
/// </summary>
public sealed class DiagnosticTests
{
    public sealed record Case(string Name, string Xdr, string Id, int Line, int Column, string MessagePart)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Case> Cases()
    {
        // XDR001: syntax, reported where the text goes wrong.
        yield return new("missing ';' after a field", "struct s {\n    int x;\n    int y\n};", "XDR001", 4, 1, "unexpected '}', expected ';'");
        yield return new("misspelt keyword", "strucx s { int x; };", "XDR001", 1, 1, "unexpected 'strucx', expected a definition");
        yield return new("number beyond 64 bits", "const BIG = 0x1FFFFFFFFFFFFFFFF;", "XDR001", 1, 13, "unexpected '0x1FFFFFFFFFFFFFFFF'");
        yield return new("8 in an octal number", "const MODE = 0786;", "XDR001", 1, 14, "unexpected '0786'");
        yield return new("file ends inside a definition", "const A = 1", "XDR001", 1, 12, "unexpected end of file, expected ';'");
        yield return new("comment not closed", "const A = 1;\n/* never closed\nconst B = 2;", "XDR001", 2, 1, "comment not closed");
        yield return new("opaque without brackets", "struct s { opaque data; };", "XDR001", 1, 23, "expected '[' or '<'");
        yield return new("keyword as a name", "struct s { int union; };", "XDR001", 1, 16, "unexpected 'union'");
        yield return new("trailing comma in an enum", "enum e { A = 1, };", "XDR001", 1, 17, "unexpected '}', expected identifier");

        // XDR002: unknown names.
        yield return new("unknown type", "struct s {\n    fattr4 attributes;\n};", "XDR002", 2, 5, "Unknown type 'fattr4'");
        yield return new("unknown size constant", "struct s { opaque data<MAXDATA>; };", "XDR002", 1, 24, "Unknown constant 'MAXDATA'");
        yield return new("unknown case label", "union u switch (int d) { case FIRST: void; };", "XDR002", 1, 31, "Unknown constant 'FIRST'");
        yield return new("constant used as a type", "const N = 1;\nstruct s { N x; };", "XDR002", 2, 12, "'N' is a constant, not a type");
        yield return new("type used as a size", "struct t { int a; };\nstruct s { int x[t]; };", "XDR002", 2, 18, "'t' is a type, not a constant");

        // XDR003: duplicate names.
        yield return new("type defined twice", "struct s { int x; };\nstruct s { int y; };", "XDR003", 2, 8, "Duplicate name 's'");
        yield return new("field defined twice", "struct s {\n    int x;\n    hyper x;\n};", "XDR003", 3, 11, "Duplicate field 'x'");
        yield return new("enum member in two enums", "enum a { RED = 1 };\nenum b { RED = 2 };", "XDR003", 2, 10, "Duplicate name 'RED'");
        yield return new("TRUE redefined", "const TRUE = 2;", "XDR003", 1, 7, "it is predefined");
        yield return new("name the generated code uses", "struct xdr_reader { int x; };", "XDR003", 1, 8, "'XdrReader', which the generated code itself uses");
        yield return new("a type named like the constants class", "const N = 1;\nstruct sample_constants { int x; };", "XDR003", 2, 8, "'SampleConstants'");
        yield return new("two names, one C# name", "struct file_id { int x; };\nstruct FILE_ID { int y; };", "XDR003", 2, 8, "maps to the C# name 'FileId'");
        yield return new("procedure number reused", "program P { version V { void P_A(void) = 1; void P_B(void) = 1; } = 1; } = 9;", "XDR003", 1, 50, "Procedure 'P_B' repeats a name or number");

        // XDR004: discriminants and cases.
        yield return new("hyper discriminant", "union u switch (hyper d) {\ncase 1:\n    int x;\n};", "XDR004", 1, 17, "must be int, unsigned int, bool or an enum");
        yield return new("optional discriminant", "union u switch (int *d) { case 1: int x; };", "XDR004", 1, 17, "must be int, unsigned int, bool or an enum");
        yield return new("case not in the enum", "enum e { A = 1 };\nunion u switch (e d) {\ncase A:\n    void;\ncase 2:\n    int x;\n};", "XDR004", 5, 6, "Case 2 of union 'u' is not a value of enum 'e'");
        yield return new("member of another enum", "enum e { A = 1 };\nenum f { B = 7 };\nunion u switch (e d) { case B: void; };", "XDR004", 3, 29, "Case B of union 'u' is not a value of enum 'e'");
        yield return new("case value twice", "union u switch (int d) {\ncase 1: int x;\ncase 2:\ncase 1: int y;\n};", "XDR004", 4, 6, "Duplicate case value");
        yield return new("bool case out of range", "union u switch (bool d) { case 2: int x; };", "XDR004", 1, 32, "out of range for a Bool discriminant");
        yield return new("two enum members with one value", "enum e { A = 1, ALIAS = 1 };\nunion u switch (e d) {\ncase A:\n    int x;\ncase ALIAS:\n    int y;\n};", "XDR004", 5, 6, "Duplicate case value 1");
        yield return new("negative unsigned case", "union u switch (unsigned int d) { case -1: int x; };", "XDR004", 1, 40, "out of range for a UInt32 discriminant");

        // XDR005: sizes.
        yield return new("fixed opaque without size", "struct s { opaque x[]; };", "XDR005", 1, 19, "needs a size in [ ]");
        yield return new("fixed array without size", "struct s { int x[]; };", "XDR005", 1, 16, "needs a size in [ ]");
        yield return new("fixed-length string", "struct s { string name[4]; };", "XDR005", 1, 19, "must be variable-length");
        yield return new("negative bound", "struct s { int x<-1>; };", "XDR005", 1, 18, "Size -1 of 'x' is out of range");
        yield return new("negative size from a constant", "const N = -4;\nstruct s { opaque x[N]; };", "XDR005", 2, 21, "Size -4 of 'x' is out of range");
        yield return new("fixed opaque beyond int", "struct s { opaque x[2147483645]; };", "XDR005", 1, 21, "out of range (0..2147483644)");
        yield return new("bound beyond 32 bits", "struct s { opaque x<0x100000000>; };", "XDR005", 1, 21, "out of range (0..4294967295)");
        yield return new("program number below 0", "program P {\n    version V { void P_A(void) = 0; } = 1;\n} = -1;", "XDR005", 3, 5, "Program number of 'P' is -1");
        yield return new("procedure number beyond 32 bits", "program P { version V { void P_A(void) = 0x100000000; } = 1; } = 1;", "XDR005", 1, 42, "Procedure number of 'P_A' is 4294967296");
        yield return new("enum value beyond 32 bits", "enum e {\n    A = 1,\n    B = 0x80000000\n};", "XDR005", 3, 9, "does not fit in 32 bits");

        // XDR006: unsupported constructs.
        yield return new("quadruple", "struct s {\n    quadruple q;\n};", "XDR006", 2, 5, "quadruple");
        yield return new("two procedure arguments", "program P {\n    version V {\n        int P_ADD(int, int) = 1;\n    } = 1;\n} = 9;", "XDR006", 3, 13, "takes 2 arguments");
        yield return new("struct containing itself", "struct a { b x; };\nstruct b { a y; };", "XDR006", 1, 8, "'a' contains itself");
        yield return new("tree through an array", "struct tree { int v; tree kids<>; };", "XDR006", 1, 8, "'tree' contains itself");
        yield return new("tree through optional data", "struct tree { tree *left; tree *right; };", "XDR006", 1, 8, "'tree' contains itself");
        yield return new("list node used by value", "struct node { int v; node *next; };\nstruct h { node first; };", "XDR006", 2, 12, "'node' is a self-linked list node");
        yield return new("list node as a procedure result", "struct node { int v; node *next; };\nprogram P { version V { node P_GET(void) = 1; } = 1; } = 9;", "XDR006", 2, 25, "use a pointer typedef");
        yield return new("optional optional data", "typedef int *maybe_int;\nstruct s { maybe_int *x; };", "XDR006", 2, 23, "optional data of optional data");
        yield return new("void struct field", "struct s { int x; void; };", "XDR006", 1, 19, "cannot be void");
        yield return new("typedef cycle", "typedef a b;\ntypedef b a;", "XDR006", 1, 11, "refers to itself");
        yield return new("constant cycle", "const A = B;\nconst B = A;", "XDR006", 1, 11, "Constant 'B' is defined in terms of itself");

        // The rpcgen dialect: cpp lines, tags, string constants, the predefined bool values.
        yield return new("#if without #endif", "const A = 1;\n#ifdef RPC_HDR\nconst B = 2;", "XDR001", 2, 1, "#if without #endif");
        yield return new("#endif without #if", "const A = 1;\n#endif", "XDR001", 2, 1, "#endif without #if");
        yield return new("#else twice", "#if 1\n#else\n#else\n#endif", "XDR001", 3, 1, "#else without #if");
        yield return new("#if it cannot evaluate", "#if A +\n#endif", "XDR001", 1, 1, "cannot evaluate '#if A +'");
        yield return new("function-like #define", "#define F(x) x", "XDR001", 1, 1, "no function-like macros");
        yield return new("#define of a type", "#define T unsigned int", "XDR001", 1, 1, "only a number may follow the name");
        yield return new("#include of a C header", "#include <rpc/rpc.h>", "XDR001", 1, 1, "needs a quoted file name");
        yield return new("#error", "#ifndef RPC_HDR\n#error not for XDR\n#endif", "XDR001", 2, 1, "#error not for XDR");
        yield return new("directive in an excluded block is not looked at", "#if 0\n#error skipped\n#endif\nstruct s { int x; int x; };", "XDR003", 4, 23, "Duplicate field 'x'");
        yield return new("struct tag naming an enum", "enum e { A = 1 };\nstruct s { struct e x; };", "XDR002", 2, 19, "'e' is a enum, not a struct");
        yield return new("union tag naming a typedef", "typedef int t;\nstruct s { union t x; };", "XDR002", 2, 18, "'t' is a typedef, not a union");
        yield return new("tag of an unknown name is no library type", "struct s { struct netobj x; };", "XDR002", 1, 19, "Unknown type 'netobj'");
        yield return new("string constant as a size", "const S = \"text\";\ntypedef opaque o<S>;", "XDR006", 2, 18, "'S' is a string constant, not a number");
        yield return new("unsigned 64-bit constant as a size", "typedef opaque o<0xffffffffffffffff>;", "XDR005", 1, 18, "Size 18446744073709551615 of 'o' is out of range");
        yield return new("TRUE predefined as another value", "const TRUE = 0;", "XDR003", 1, 7, "predefined as 1");
        yield return new("FALSE as an enum member", "enum e { FALSE = 0 };", "XDR003", 1, 10, "it is predefined");
        yield return new("unterminated string constant", "const S = \"text;\n", "XDR001", 1, 17, "Syntax error");
    }

    [TestCaseSource(nameof(Cases))]
    public void An_error_is_one_diagnostic_at_the_offending_token(Case error)
    {
        var output = GeneratorHarness.Run(error.Xdr);
        Assert.That(output.Diagnostics, Has.Length.EqualTo(1), output.Describe());
        var diagnostic = output.Diagnostics[0];
        var span = diagnostic.Location.GetLineSpan();
        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Id, Is.EqualTo(error.Id));
            Assert.That(diagnostic.Severity, Is.EqualTo(DiagnosticSeverity.Error));
            Assert.That(span.Path, Is.EqualTo(GeneratorHarness.DefaultPath));
            Assert.That((span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1), Is.EqualTo((error.Line, error.Column)), "line and column");
            Assert.That(diagnostic.GetMessage(), Does.Contain(error.MessagePart));
        });
    }

    [Test]
    public void A_diagnostic_names_the_file_it_is_in()
    {
        var output = GeneratorHarness.Run(
            new XdrFile("/idl/good.x", "const A = 1;\n"),
            new XdrFile("/idl/bad.x", "const B = 2;\nstruct s { unknown_t x; };\n"));
        Assert.That(output.Diagnostics.Select(d => (d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line + 1)),
            Is.EqualTo(new[] { ("XDR002", "/idl/bad.x", 2) }));
    }

    [Test]
    public void A_name_defined_in_two_files_is_reported_in_the_second()
    {
        var output = GeneratorHarness.Run(new XdrFile("/idl/a.x", "const SHARED = 1;"), new XdrFile("/idl/b.x", "\nconst SHARED = 2;"));
        var span = output.Diagnostics.Single().Location.GetLineSpan();
        Assert.That((output.Diagnostics[0].Id, span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1),
            Is.EqualTo(("XDR003", "/idl/b.x", 2, 7)));
    }

    [Test]
    public void Two_x_files_with_the_same_file_name_are_reported()
    {
        var output = GeneratorHarness.Run(new XdrFile("/idl/v1/nfs.x", "const A = 1;"), new XdrFile("/idl/v2/nfs.x", "const B = 2;"));
        Assert.That(output.Diagnostics.Select(d => (d.Id, d.Location.GetLineSpan().Path)), Is.EqualTo(new[] { ("XDR003", "/idl/v2/nfs.x") }));
    }

    [Test]
    public void Every_error_is_reported_not_only_the_first()
    {
        var output = GeneratorHarness.Run("struct s {\n    foo a;\n    bar b;\n    opaque c[];\n};");
        Assert.That(output.Diagnostics.Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1)),
            Is.EqualTo(new[] { ("XDR002", 2), ("XDR002", 3), ("XDR005", 4) }));
    }

    [Test]
    public void Nothing_is_generated_while_an_error_remains()
    {
        var output = GeneratorHarness.Run("struct good { int x; };\nstruct bad { missing_t y; };");
        Assert.That(output.Sources, Is.Empty);
    }

    [Test]
    public void The_diagnostic_span_covers_the_offending_token()
    {
        var output = GeneratorHarness.Run("struct s {\n    fattr4 attributes;\n};");
        var location = output.Diagnostics.Single().Location;
        Assert.Multiple(() =>
        {
            Assert.That(location.SourceSpan, Is.EqualTo(new Microsoft.CodeAnalysis.Text.TextSpan(15, 6)));
            Assert.That(location.GetLineSpan().EndLinePosition.Character, Is.EqualTo(10));
        });
    }
}
