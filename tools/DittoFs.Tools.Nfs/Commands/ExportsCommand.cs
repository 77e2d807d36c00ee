using System.CommandLine;
using System.Text;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>exports nfs://host[:port]/: MOUNT EXPORT (RFC 1813 §5.2.5), one export per line with the groups allowed ("*" for everyone), as showmount -e.</summary>
internal static class ExportsCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url("URL", "nfs://host[:port]/ (the path is ignored)");
        var command = new Command("exports", "List the server's exports") { url };
        command.SetAction(tool.Action("exports", async (parse, cancellationToken) =>
        {
            var server = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, server, mount: false, cancellationToken);
            var exports = await session.Mount.ExportAsync(cancellationToken);
            foreach (var export in exports)
            {
                var groups = new List<string>();
                foreach (var group in export.ExGroups)
                    groups.Add(Encoding.UTF8.GetString(group.GrName.Span));
                tool.Console.Out.WriteLine($"{Encoding.UTF8.GetString(export.ExDir.Span)} {(groups.Count == 0 ? "*" : string.Join(',', groups))}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
