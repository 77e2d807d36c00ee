namespace DittoFs.Fuzz.Engine;

/// <summary>
/// Something the fuzzer feeds bytes to. <see cref="Run"/> checks the target's properties itself and throws
/// <see cref="FuzzPropertyException"/> when one fails; any other exception escaping it is a crash. Both are findings.
/// </summary>
internal interface IFuzzTarget
{
    string Name { get; }

    /// <summary>Valid inputs the mutations start from.</summary>
    IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>The largest input worth trying; mutations never grow an input beyond it.</summary>
    int MaxInputLength { get; }

    /// <summary>
    /// Runs one input and returns a signature of what it did (which status, which error, which path). An input with a
    /// signature not seen before joins the corpus, so mutations explore from every behaviour reached so far.
    /// </summary>
    ulong Run(byte[] input);

    /// <summary>
    /// Called every so often between runs: a target whose state grows with the inputs (a store filling up) starts
    /// afresh here, and may rewrite corpus entries that refer to that state (handles).
    /// </summary>
    void Refresh(List<byte[]> corpus);
}

/// <summary>A property of the target failed for an input (the message says which).</summary>
internal sealed class FuzzPropertyException(string message) : Exception(message);
