namespace DittoFs.Tools.Nfs;

/// <summary>
/// Where ditto-nfs writes: text output, raw output (cat), and diagnostics. The real console by default; tests
/// pass their own writers.
/// </summary>
internal sealed class ToolConsole
{
    public required TextWriter Out { get; init; }

    /// <summary>Byte output for file contents (cat); text written to <see cref="Out"/> is flushed first.</summary>
    public required Func<Stream> OpenRawOut { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether stderr is a terminal, where a progress bar is drawn unless --no-progress.</summary>
    public bool ErrorIsTerminal { get; init; }

    public static ToolConsole System() => new()
    {
        Out = Console.Out,
        OpenRawOut = Console.OpenStandardOutput,
        Error = Console.Error,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
