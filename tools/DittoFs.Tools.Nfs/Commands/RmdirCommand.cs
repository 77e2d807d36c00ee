using System.CommandLine;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>rmdir URL: RMDIR of an empty directory.</summary>
internal static class RmdirCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var command = new Command("rmdir", "Remove an empty directory") { url };
        command.SetAction(tool.Action("rmdir", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var (directory, name) = await session.ResolveParentAsync(target.Path, cancellationToken);
            await RmCommand.RemoveDirectoryAsync(session, directory, name, target.Path, cancellationToken);
            session.Forget(target.Path);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
