using System.CommandLine;
using System.Globalization;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Formatting;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>df [-h] URL: FSSTAT (RFC 1813 §3.3.18) of the file system holding the URL, laid out like df.</summary>
internal static class DfCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var human = new Option<bool>("--human-readable", "-h") { Description = "Sizes in KiB, MiB, GiB... instead of bytes" };
        var command = new Command("df", "Show the file system's space and file counts") { url, human };
        command.SetAction(tool.Action("df", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var found = await session.ResolveAsync(target.Path, cancellationToken);
            var result = await session.Nfs.FsstatAsync(new Fsstat3Args { Fsroot = found.Handle }, cancellationToken);
            NfsException.ThrowIfFailed(result.Status, "FSSTAT", found.Path);
            foreach (string line in Format(target.WithPath(session.ExportPath!).ToString(), result.Resok, parse.GetValue(human)))
                tool.Console.Out.WriteLine(line);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static IEnumerable<string> Format(string name, Fsstat3Resok s, bool human)
    {
        var c = CultureInfo.InvariantCulture;
        ulong used = s.Tbytes >= s.Fbytes ? s.Tbytes - s.Fbytes : 0;
        string percent = s.Tbytes == 0 ? "-" : string.Create(c, $"{Math.Ceiling(100.0 * used / s.Tbytes):0}%");
        ulong filesUsed = s.Tfiles >= s.Ffiles ? s.Tfiles - s.Ffiles : 0;
        string Size(ulong bytes) => human ? Sizes.Human(bytes) : bytes.ToString(c);
        string[] header = ["Filesystem", "Size", "Used", "Avail", "Use%", "Files", "FUsed", "FFree"];
        string[] row = [name, Size(s.Tbytes), Size(used), Size(s.Abytes), percent, s.Tfiles.ToString(c), filesUsed.ToString(c), s.Afiles.ToString(c)];
        int[] widths = header.Zip(row, (h, r) => Math.Max(h.Length, r.Length)).ToArray();
        yield return Row(header, widths);
        yield return Row(row, widths);
    }

    private static string Row(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i])));
}
