using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Transfer;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>cat URL: a file's bytes to stdout, read with pipelined READs and written in order.</summary>
internal static class CatCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var depth = CommandArguments.Depth();
        var command = new Command("cat", "Write a file's contents to stdout") { url, depth };
        command.SetAction(tool.Action("cat", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var found = await session.ResolveAsync(target.Path, cancellationToken);
            if (found.IsDirectory)
                throw new NfsException(Nfsstat3.Nfs3errIsdir, "READ", found.Path);
            await tool.Console.Out.FlushAsync(cancellationToken);
            var output = tool.Console.OpenRawOut();
            await FileReader.CopyToAsync(session, found, output, parse.GetValue(depth), new TransferProgress(null, null), cancellationToken);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
