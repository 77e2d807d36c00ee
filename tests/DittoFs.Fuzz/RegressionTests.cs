using DittoFs.Fuzz.Engine;
using DittoFs.Fuzz.Targets;

namespace DittoFs.Fuzz;

/// <summary>
/// Every input a fuzzing run ever failed on, minimized and checked in under Regressions/&lt;target&gt;/*.hex (hex digits,
/// whitespace ignored, lines starting with '#' are comments saying what the input found), replayed through the same
/// target and properties. A file may hold a handle of the dispatch environment: file ids are fixed, and the target
/// rewrites the generation of its own handles before running (see <see cref="DispatchTarget.Refresh"/>).
/// </summary>
[TestFixture]
public sealed class RegressionTests
{
    private static readonly Lazy<RecordStreamTarget> Records = new(() => new RecordStreamTarget());
    private static readonly Lazy<CodecTarget> Codecs = new(() => new CodecTarget());
    private static readonly Lazy<DispatchTarget> Dispatch = new(() => new DispatchTarget());
    private static readonly Lazy<DispatchTarget> Dispatch4 = new(() => new DispatchTarget(nfs4: true));

    public static IEnumerable<TestCaseData> Inputs()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Regressions");
        if (!Directory.Exists(directory))
        {
            yield break;
        }
        foreach (string path in Directory.EnumerateFiles(directory, "*.hex", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string target = Path.GetFileName(Path.GetDirectoryName(path))!;
            yield return new TestCaseData(target, path).SetName($"{target}/{Path.GetFileNameWithoutExtension(path)}");
        }
    }

    [TestCaseSource(nameof(Inputs))]
    public void A_past_finding_passes(string target, string path)
    {
        var lines = File.ReadAllLines(path);
        var input = Parse(lines);
        IFuzzTarget fuzzTarget = target switch
        {
            "rpc-records" => Records.Value,
            "xdr-codecs" => Codecs.Value,
            "nfs-dispatch" => Dispatch.Value,
            "nfs4-dispatch" => Dispatch4.Value,
            _ => throw new InvalidOperationException($"No fuzz target {target} (directory of {path})"),
        };
        if (fuzzTarget is CodecTarget codecs)
        {
            // Codec indexes change as types are added: files name the codec instead.
            string codec = lines.Single(line => line.StartsWith("# codec:", StringComparison.Ordinal))["# codec:".Length..].Trim();
            input = codecs.InputFor(codec, input);
        }
        if (fuzzTarget is DispatchTarget dispatch)
        {
            // Handles in the file were made by an earlier environment: move them onto this one (file ids match).
            dispatch.AdoptHandles(input);
        }

        Assert.That(() => fuzzTarget.Run(input), Throws.Nothing);
    }

    private static byte[] Parse(IEnumerable<string> lines) => Convert.FromHexString(string.Concat(lines
        .Where(line => !line.TrimStart().StartsWith('#'))
        .Select(line => string.Concat(line.Where(char.IsAsciiHexDigit)))));
}
