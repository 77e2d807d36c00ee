using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// mv URL NEWURL: RENAME within one export (RFC 1813 §3.3.14). As mv does, a NEWURL naming an existing
/// directory receives the source under its own name.
/// </summary>
internal static class MvCommand
{
    public static Command Create(ToolContext tool)
    {
        var from = CommandArguments.Url("URL", "What to move");
        var to = CommandArguments.Url("NEWURL", "The new name (same server and export), or a directory to move into");
        var command = new Command("mv", "Rename or move a file or directory within an export") { from, to };
        command.SetAction(tool.Action("mv", async (parse, cancellationToken) =>
        {
            var source = NfsUrl.Parse(parse.GetValue(from)!);
            var destination = SecondUrl.Parse(parse.GetValue(to)!, source, "mv");
            await using var session = await tool.OpenAsync(parse, source, mount: true, cancellationToken);
            var (fromDirectory, fromName) = await session.ResolveParentAsync(source.Path, cancellationToken);
            string toPath = destination.Path;
            try
            {
                if ((await session.ResolveAsync(toPath, cancellationToken)).IsDirectory)
                    toPath = ServerPath.Join(toPath, source.Name);
            }
            catch (NfsException exception) when (exception.Status == Nfsstat3.Nfs3errNoent)
            {
                // A new name: rename to it.
            }
            var (toDirectory, toName) = await session.ResolveParentAsync(toPath, cancellationToken);
            var result = await session.Nfs.RenameAsync(new Rename3Args
            {
                From = new Diropargs3 { Dir = fromDirectory, Name = fromName },
                To = new Diropargs3 { Dir = toDirectory, Name = toName },
            }, cancellationToken);
            NfsException.ThrowIfFailed(result.Status, "RENAME", $"{source.Path} -> {toPath}");
            session.Forget(source.Path);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
