using System.CommandLine;
using DittoFs.Protocol;
using DittoFs.Tools.Nfs.Formatting;
using DittoFs.Tools.Nfs.Session;
using DittoFs.Tools.Nfs.Urls;

namespace DittoFs.Tools.Nfs.Commands;

/// <summary>
/// ls [-l] [-a] URL: the names in a directory (READDIRPLUS, all pages), sorted; -l adds mode, links, uid, gid,
/// size and mtime as ls -l does, and link targets (READLINK). A URL naming a file lists that file.
/// </summary>
internal static class LsCommand
{
    public static Command Create(ToolContext tool)
    {
        var url = CommandArguments.Url();
        var longFormat = new Option<bool>("-l") { Description = "Long listing: mode, links, uid, gid, size, mtime, name" };
        var all = new Option<bool>("--all", "-a") { Description = "Include names starting with '.' (and . and ..)" };
        var command = new Command("ls", "List a directory") { url, longFormat, all };
        command.SetAction(tool.Action("ls", async (parse, cancellationToken) =>
        {
            var target = NfsUrl.Parse(parse.GetValue(url)!);
            bool detailed = parse.GetValue(longFormat);
            await using var session = await tool.OpenAsync(parse, target, mount: true, cancellationToken);
            var found = await session.ResolveAsync(target.Path, cancellationToken);

            var listed = new List<Listed>();
            if (!found.IsDirectory)
            {
                listed.Add(new Listed(target.Name, found.Handle, found.Attributes));
            }
            else
            {
                foreach (var entry in await DirectoryLister.ListAsync(session, found.Handle, found.Path, cancellationToken))
                {
                    if (entry.Name.StartsWith('.') && !parse.GetValue(all))
                        continue;
                    if (detailed && (entry.Attributes is null || entry.Handle is null))
                        {
                        var looked = await session.LookupAsync(found.Handle, entry.Name, ServerPath.Join(found.Path, entry.Name), cancellationToken);
                        listed.Add(new Listed(entry.Name, looked.Handle, looked.Attributes));
                    }
                    else
                        listed.Add(new Listed(entry.Name, entry.Handle ?? default, entry.Attributes ?? default));
                }
                listed.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            }

            if (!detailed)
            {
                foreach (var item in listed)
                    tool.Console.Out.WriteLine(item.Name);
                return ExitCodes.Ok;
            }
            var rows = new List<ListingRow>(listed.Count);
            foreach (var item in listed)
            {
                string? linkTarget = item.Attributes.Type == Ftype3.Nf3lnk
                    ? await session.ReadLinkAsync(item.Handle, found.IsDirectory ? ServerPath.Join(found.Path, item.Name) : found.Path, cancellationToken)
                    : null;
                rows.Add(new ListingRow(item.Name, item.Attributes, linkTarget));
            }
            foreach (string line in LongListing.Format(rows, DateTimeOffset.UtcNow))
                tool.Console.Out.WriteLine(line);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A name to show, with its handle and attributes (when -l needs them).</summary>
    private readonly record struct Listed(string Name, NfsFh3 Handle, Fattr3 Attributes);
}
