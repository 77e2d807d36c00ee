using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>rm [-r] URL: REMOVE a file (or link); -r removes a directory and everything in it, depth first.</summary>
internal static class RmCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Remove a directory and its contents" };
        var command = new Command("rm", "Remove a file") { url, recursive };
        command.SetAction(tool.Action("rm", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var (directory, name) = await session.ResolveParentAsync(target.Path, cancellationToken);
            var found = await session.ResolveAsync(target.Path, cancellationToken);
            if (found.IsDirectory)
            {
                if (!parse.GetValue(recursive))
                    throw new NfsException(Nfsstat3.Nfs3errIsdir, "REMOVE", target.Path);
                await RemoveTreeAsync(session, found, cancellationToken);
                await RemoveDirectoryAsync(session, directory, name, target.Path, cancellationToken);
            }
            else
            {
                await RemoveFileAsync(session, directory, name, target.Path, cancellationToken);
            }
            session.Forget(target.Path);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Empties a directory: files removed, subdirectories emptied and removed.</summary>
    private static async Task RemoveTreeAsync(NfsSession session, NfsObject directory, CancellationToken cancellationToken)
    {
        foreach (var entry in await DirectoryLister.ListAsync(session, directory.Handle, directory.Path, cancellationToken))
        {
            if (DirectoryLister.IsDotOrDotDot(entry.Name))
                continue;
            string path = ServerPath.Join(directory.Path, entry.Name);
            byte[] name = System.Text.Encoding.UTF8.GetBytes(entry.Name);
            var child = await session.LookupAsync(directory.Handle, entry.Name, path, cancellationToken);
            if (child.IsDirectory)
            {
                await RemoveTreeAsync(session, child, cancellationToken);
                await RemoveDirectoryAsync(session, directory.Handle, name, path, cancellationToken);
            }
            else
            {
                await RemoveFileAsync(session, directory.Handle, name, path, cancellationToken);
            }
        }
    }

    public static async Task RemoveFileAsync(NfsSession session, NfsFh3 directory, byte[] name, string path, CancellationToken cancellationToken)
    {
        var result = await session.Nfs.RemoveAsync(new Remove3Args { Object = new Diropargs3 { Dir = directory, Name = name } }, cancellationToken);
        NfsException.ThrowIfFailed(result.Status, "REMOVE", path);
    }

    public static async Task RemoveDirectoryAsync(NfsSession session, NfsFh3 directory, byte[] name, string path, CancellationToken cancellationToken)
    {
        var result = await session.Nfs.RmdirAsync(new Rmdir3Args { Object = new Diropargs3 { Dir = directory, Name = name } }, cancellationToken);
        NfsException.ThrowIfFailed(result.Status, "RMDIR", path);
    }
}
