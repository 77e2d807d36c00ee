using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Transfer;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// get URL LOCALFILE: copies a file from the server with pipelined READs (FSINFO rtpref each, --depth in
/// flight). A LOCALFILE that is a directory receives the file under its remote name. A failed copy leaves no
/// partial local file behind.
/// </summary>
internal static class GetCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var local = new Argument<string>("LOCALFILE") { Description = "Local file to write (or a directory to write into)" };
        var depth = CommandArguments.Depth();
        var progress = new ProgressChoice();
        var command = new Command("get", "Copy a file from the server") { url, local, depth };
        progress.AddTo(command);
        command.SetAction(tool.Action("get", async (parse, cancellationToken) =>
        {
            var source = NfsUrl.Parse(parse.GetValue(url)!);
            string destination = parse.GetValue(local)!;
            if (Directory.Exists(destination))
                destination = Path.Combine(destination, source.Name.Length > 0 ? source.Name : throw new UsageException("the URL names the server's root; give a file name"));

            await using var session = await tool.OpenAsync(parse, source, mount: true, cancellationToken);
            var found = await session.ResolveAsync(source.Path, cancellationToken);
            if (found.IsDirectory)
                throw new NfsException(Nfsstat3.Nfs3errIsdir, "READ", found.Path);

            // Disposed before a failure is reported, so the message does not land on the bar's line.
            using var bar = progress.Create(parse, tool.Console, (long)found.Attributes.Size.Value);
            bool complete = false;
            var file = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            try
            {
                await using (file)
                    await FileReader.CopyToAsync(session, found, file, parse.GetValue(depth), bar, cancellationToken);
                complete = true;
            }
            finally
            {
                if (!complete)
                    File.Delete(destination);
            }
            bar.Complete();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
