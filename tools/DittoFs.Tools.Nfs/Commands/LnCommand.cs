using System.CommandLine;
using System.Text;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// ln TARGET URL: a hard link (LINK, RFC 1813 §3.3.15) at URL to the file TARGET, a URL on the same export.
/// ln -s TARGET URL: a symbolic link (SYMLINK, §3.3.10) at URL whose text is TARGET, taken literally.
/// </summary>
internal static class LnCommand
{
    public static Command Create(ToolContext tool)
    {
        var target = new Argument<string>("TARGET") { Description = "Hard link: the existing file's URL. With -s: the link's text" };
        var url = CommandArguments.Url("URL", "Where the new link goes");
        var symbolic = new Option<bool>("--symbolic", "-s") { Description = "Make a symbolic link whose text is TARGET" };
        var command = new Command("ln", "Make a hard or symbolic link") { target, url, symbolic };
        command.SetAction(tool.Action("ln", async (parse, cancellationToken) =>
        {
            var link = NfsUrl.Parse(parse.GetValue(url)!);
            string targetText = parse.GetValue(target)!;
            bool isSymbolic = parse.GetValue(symbolic);
            var existing = isSymbolic ? null : SecondUrl.Parse(targetText, link, "ln");
            if (isSymbolic && targetText.Length == 0)
                throw new UsageException("a symbolic link needs a non-empty TARGET");
            await using var session = await tool.OpenAsync(parse, link, mount: true, cancellationToken);
            var (directory, name) = await session.ResolveParentAsync(link.Path, cancellationToken);
            var where = new Diropargs3 { Dir = directory, Name = name };
            if (isSymbolic)
            {
                var result = await session.Nfs.SymlinkAsync(new Symlink3Args
                {
                    Where = where,
                    Symlink = new Symlinkdata3 { SymlinkAttributes = default, SymlinkData = Encoding.UTF8.GetBytes(targetText) },
                }, cancellationToken);
                NfsException.ThrowIfFailed(result.Status, "SYMLINK", link.Path);
            }
            else
            {
                var file = await session.ResolveAsync(existing!.Path, cancellationToken);
                var result = await session.Nfs.LinkAsync(new Link3Args { File = file.Handle, Link = where }, cancellationToken);
                NfsException.ThrowIfFailed(result.Status, "LINK", link.Path);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
