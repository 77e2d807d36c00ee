using System.CommandLine;
using System.Globalization;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Formatting;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>stat URL: every attribute of fattr3 (RFC 1813 §2.6), laid out like stat(1); the link target for a symbolic link.</summary>
internal static class StatCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var command = new Command("stat", "Show a file's attributes") { url };
        command.SetAction(tool.Action("stat", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var found = await session.ResolveAsync(target.Path, cancellationToken);
            string? link = found.Attributes.Type == Ftype3.Nf3lnk ? await session.ReadLinkAsync(found.Handle, found.Path, cancellationToken) : null;
            foreach (string line in Format(found.Path, found.Attributes, link))
                tool.Console.Out.WriteLine(line);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static IEnumerable<string> Format(string path, Fattr3 a, string? linkTarget)
    {
        var c = CultureInfo.InvariantCulture;
        yield return linkTarget is null ? $"  File: {path}" : $"  File: {path} -> {linkTarget}";
        yield return string.Create(c, $"  Size: {a.Size,-15} Used: {a.Used,-15} {FileModeText.TypeName(a.Type)}");
        string octal = Convert.ToString(a.Mode & 0xFFF, 8).PadLeft(4, '0');
        yield return string.Create(c, $"  Mode: ({octal}/{FileModeText.Format(a.Type, a.Mode)})  Uid: {a.Uid,-10} Gid: {a.Gid}");
        string device = a.Type is Ftype3.Nf3blk or Ftype3.Nf3chr ? string.Create(c, $"  Device: {a.Rdev.Specdata1},{a.Rdev.Specdata2}") : "";
        yield return string.Create(c, $" Links: {a.Nlink,-15} Fileid: {a.Fileid,-13} Fsid: 0x{a.Fsid:x}{device}");
        yield return $"Access: {NfsTime.Full(a.Atime)}";
        yield return $"Modify: {NfsTime.Full(a.Mtime)}";
        yield return $"Change: {NfsTime.Full(a.Ctime)}";
    }
}
