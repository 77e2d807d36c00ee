using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>mkdir [-p] URL: MKDIR with mode 0755; -p creates missing parents and accepts an existing directory.</summary>
internal static class MkdirCommand
{
    private const uint DirectoryMode = 0x1ED; // 0755

    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var parents = new Option<bool>("--parents", "-p") { Description = "Create missing parent directories; no error if the directory exists" };
        var command = new Command("mkdir", "Create a directory") { url, parents };
        command.SetAction(tool.Action("mkdir", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            if (!parse.GetValue(parents))
            {
                await MakeAsync(session, target.Path, cancellationToken);
                return ExitCodes.Ok;
            }
            string path = session.ExportPath!.TrimEnd('/');
            foreach (string component in session.ComponentsBelowExport(target.Path))
            {
                path = ServerPath.Join(path.Length == 0 ? "/" : path, component);
                try
                {
                    await MakeAsync(session, path, cancellationToken);
                }
                catch (NfsException exception) when (exception.Status == Nfsstat3.Nfs3errExist)
                {
                    if (!(await session.ResolveAsync(path, cancellationToken)).IsDirectory)
                        throw new NfsException(Nfsstat3.Nfs3errNotdir, "MKDIR", path);
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task MakeAsync(NfsSession session, string path, CancellationToken cancellationToken)
    {
        var (directory, name) = await session.ResolveParentAsync(path, cancellationToken);
        var result = await session.Nfs.MkdirAsync(new Mkdir3Args
        {
            Where = new Diropargs3 { Dir = directory, Name = name },
            Attributes = new Sattr3 { Mode = new SetMode3 { SetIt = true, Mode = DirectoryMode } },
        }, cancellationToken);
        NfsException.ThrowIfFailed(result.Status, "MKDIR", path);
    }
}
