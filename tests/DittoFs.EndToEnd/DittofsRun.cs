using System.Diagnostics;

namespace DittoFs.EndToEnd;

/// <summary>
/// One run of the real dittofs to its end (a command, or a start that fails), with its exit code and output; killed
/// and reported after a minute, far above what a command or a failing start takes.
/// </summary>
internal sealed record DittofsRun(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0}s\nstderr:\n{Error}\nstdout:\n{Output}";

    /// <summary>Runs dittofs with <paramref name="arguments"/>, <paramref name="environment"/> added to the test's own.</summary>
    public static DittofsRun Of(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dittofs.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Bound))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"dittofs did not exit within {Bound}:\n{error.Result}\n{output.Result}");
        }
        process.WaitForExit();
        return new DittofsRun(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }
}
