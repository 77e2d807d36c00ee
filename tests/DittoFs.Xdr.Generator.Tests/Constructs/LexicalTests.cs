using DittoFs.Xdr.Generator.Tests.Infrastructure;

namespace DittoFs.Xdr.Generator.Tests.Constructs;

/// <summary>Comments (<c>/* */</c> and <c>//</c>) and rpcgen's <c>%</c> pass-through lines are ignored wherever trivia may stand.</summary>
public sealed class LexicalTests : CompiledXdrFixture
{
    protected override string Xdr => """
        /*
         * A block comment; *stars* and / slashes inside; const NOT_A_CONSTANT = 1;
         */
        // A line comment: struct not_a_struct { int x; };
        %#include <rpc/rpc.h>
        % pass-through text that would never parse: { ; ]
        const /* between tokens */ ANSWER = /* here too */ 42; // after a definition
        struct pair { int a; /* a comment
             spanning lines */ int b; // end of line
        %   another pass-through line inside a body
        };
        """;

    protected override string Probe => """
        public static byte[] Encode() => XdrCodec.Encode(new Pair { A = 1, B = 2 });
        """;

    [Test]
    public void Definitions_between_comments_and_pass_through_lines_are_generated()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Constant("SampleConstants", "Answer"), Is.EqualTo(42));
            Assert.That(Encoded("Encode"), Is.EqualTo("00000001 00000002"));
        });
    }

    [Test]
    public void Nothing_inside_comments_or_pass_through_lines_is_generated()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Compiled.Type("SampleConstants").GetFields().Select(f => f.Name), Is.EqualTo(new[] { "Answer" }));
            Assert.That(Compiled.Assembly.GetType($"{GeneratorHarness.Namespace}.NotAStruct"), Is.Null);
        });
    }

    [Test]
    public void Windows_line_endings_parse_like_unix_ones()
    {
        var output = GeneratorHarness.Run(Xdr.ReplaceLineEndings("\r\n"));
        Assert.That(output.Diagnostics, Is.Empty, output.Describe());
    }
}
