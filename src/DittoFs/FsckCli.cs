using System.CommandLine;
using DittoFs.Server.Fsck;

namespace DittoFs.Cli;

/// <summary>
/// The <c>fsck</c> subcommand: <c>dittofs fsck [--config FILE | --data-dir DIR] [--repair]</c> checks the stores of
/// a stopped server (see <see cref="FsckCommand"/>). Exit codes: 0 clean, 1 problems found, 2 usage error, a store that cannot be opened, or nothing there to check.
/// </summary>
internal static class FsckCli
{
    public static Command Command { get; } = Create();

    private static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "YAML configuration file whose stores to check" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory of the embedded default configuration to check" };
        var repair = new Option<bool>("--repair") { Description = "Fix what is safe to fix: drop dangling entries, correct link counts, remove orphan objects and orphan content" };
        var command = new Command("fsck", "Check (and with --repair, repair) the stores of a stopped server offline. Exit code 0 clean, 1 problems found, 2 usage error, a store that cannot be opened, or nothing there to check")
        {
            config, dataDir, repair,
        };
        command.SetAction((parse, cancellationToken) => FsckCommand.RunAsync(
            parse.GetValue(config)?.FullName, parse.GetValue(dataDir), parse.GetValue(repair), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    /// <summary>
    /// fsck's own parse errors exit with 2, as fsck tools' usage errors do (System.CommandLine's default is 1);
    /// null when <paramref name="parsed"/> is not a failed fsck command line.
    /// </summary>
    public static int? UsageError(ParseResult parsed)
    {
        if (parsed.Errors.Count == 0 || parsed.CommandResult.Command != Command)
            return null;
        foreach (var error in parsed.Errors)
            Console.Error.WriteLine("fsck: " + error.Message);
        Console.Error.WriteLine("usage: dittofs fsck [--config FILE | --data-dir DIR] [--repair]");
        return FsckCommand.UsageError;
    }
}
