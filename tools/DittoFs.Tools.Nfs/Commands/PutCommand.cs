using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Transfer;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// put LOCALFILE URL: creates (or truncates) the remote file with the local file's permission bits and writes it
/// with pipelined UNSTABLE WRITEs and COMMITs checked against the write verifier (see <see cref="FileWriter"/>).
/// A URL naming a directory receives the file under its local name.
/// </summary>
internal static class PutCommand
{
    public static Command Create(ToolContext tool)
    {
        var local = new Argument<string>("LOCALFILE") { Description = "Local file to send" };
        var url = CommandArguments.Url();
        var depth = CommandArguments.Depth();
        var progress = new ProgressChoice();
        var command = new Command("put", "Copy a local file to the server") { local, url, depth };
        progress.AddTo(command);
        command.SetAction(tool.Action("put", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            string sourcePath = parse.GetValue(local)!;
            if (Directory.Exists(sourcePath))
                throw new UsageException($"{sourcePath} is a directory; put copies one file");
            using var source = File.OpenHandle(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            long length = RandomAccess.GetLength(source);
            uint mode = OperatingSystem.IsWindows() ? 0x1A4 : (uint)File.GetUnixFileMode(source) & 0x1FF;

            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            string path = target.Path;
            if (await IsDirectoryAsync(session, path, cancellationToken))
                path = ServerPath.Join(path, Path.GetFileName(sourcePath));
            var file = await CreateAsync(session, path, mode, cancellationToken);

            // Disposed before a failure is reported, so the message does not land on the bar's line.
            using var bar = progress.Create(parse, tool.Console, length);
            await FileWriter.CopyFromAsync(session, file, path, source, length, parse.GetValue(depth), bar, cancellationToken);
            bar.Complete();
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<bool> IsDirectoryAsync(NfsSession session, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await session.ResolveAsync(path, cancellationToken)).IsDirectory;
        }
        catch (NfsException exception) when (exception.Status == Nfsstat3.Nfs3errNoent)
        {
            return false;
        }
    }

    /// <summary>CREATE UNCHECKED with size 0 (RFC 1813 §3.3.8): a new file, or an existing one truncated.</summary>
    private static async Task<NfsFh3> CreateAsync(NfsSession session, string path, uint mode, CancellationToken cancellationToken)
    {
        var (directory, name) = await session.ResolveParentAsync(path, cancellationToken);
        var result = await session.Nfs.CreateAsync(new Create3Args
        {
            Where = new Diropargs3 { Dir = directory, Name = name },
            How = new Createhow3
            {
                Mode = Createmode3.Unchecked,
                ObjAttributes = new Sattr3
                {
                    Mode = new SetMode3 { SetIt = true, Mode = mode },
                    Size = new SetSize3 { SetIt = true, Size = 0 },
                },
            },
        }, cancellationToken);
        NfsException.ThrowIfFailed(result.Status, "CREATE", path);
        if (result.Resok.Obj.HandleFollows)
            return result.Resok.Obj.Handle;
        return (await session.ResolveAsync(path, cancellationToken)).Handle;
    }
}
