using System.CommandLine;
using DittoFs.Tools.Nfs.Transfer;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// --progress / --no-progress of get and put: the bar is drawn on stderr when stderr is a terminal, or always
/// with --progress; --no-progress suppresses it.
/// </summary>
internal sealed class ProgressChoice
{
    public Option<bool> Force { get; } = new("--progress") { Description = "Draw the progress bar even when stderr is not a terminal" };
    public Option<bool> Suppress { get; } = new("--no-progress") { Description = "Never draw the progress bar" };

    public void AddTo(Command command)
    {
        command.Options.Add(Force);
        command.Options.Add(Suppress);
    }

    public TransferProgress Create(ParseResult parse, ToolConsole console, long? total)
    {
        bool draw = !parse.GetValue(Suppress) && (parse.GetValue(Force) || console.ErrorIsTerminal);
        return new TransferProgress(draw ? console.Error : null, total);
    }
}
