using System.Globalization;
using System.Text;
using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Formatting;

/// <summary>One row of ls -l: attributes, name and (for a symbolic link) its target.</summary>
internal readonly record struct ListingRow(string Name, Fattr3 Attributes, string? LinkTarget = null);

/// <summary>
/// ls -l's layout: mode, link count, uid, gid, size, modification time, name; numbers right-aligned and
/// owners left-aligned to the widest value among the rows, as ls aligns them.
/// </summary>
internal static class LongListing
{
    public static IEnumerable<string> Format(IReadOnlyList<ListingRow> rows, DateTimeOffset now)
    {
        int links = Width(rows, row => row.Attributes.Nlink.ToString(CultureInfo.InvariantCulture));
        int owners = Width(rows, row => row.Attributes.Uid.ToString(CultureInfo.InvariantCulture));
        int groups = Width(rows, row => row.Attributes.Gid.ToString(CultureInfo.InvariantCulture));
        int sizes = Width(rows, row => SizeOrDevice(row.Attributes));
        foreach (var row in rows)
        {
            var a = row.Attributes;
            var line = new StringBuilder();
            line.Append(FileModeText.Format(a.Type, a.Mode)).Append(' ');
            line.Append(a.Nlink.ToString(CultureInfo.InvariantCulture).PadLeft(links)).Append(' ');
            line.Append(a.Uid.ToString(CultureInfo.InvariantCulture).PadRight(owners)).Append(' ');
            line.Append(a.Gid.ToString(CultureInfo.InvariantCulture).PadRight(groups)).Append(' ');
            line.Append(SizeOrDevice(a).PadLeft(sizes)).Append(' ');
            line.Append(NfsTime.ForListing(a.Mtime, now)).Append(' ');
            line.Append(row.Name);
            if (row.LinkTarget is not null)
                line.Append(" -> ").Append(row.LinkTarget);
            yield return line.ToString();
        }
    }

    /// <summary>The size, or "major, minor" for a device, as ls shows them.</summary>
    private static string SizeOrDevice(Fattr3 a) => a.Type is Ftype3.Nf3blk or Ftype3.Nf3chr
        ? string.Create(CultureInfo.InvariantCulture, $"{a.Rdev.Specdata1}, {a.Rdev.Specdata2}")
        : a.Size.ToString(CultureInfo.InvariantCulture);

    private static int Width(IReadOnlyList<ListingRow> rows, Func<ListingRow, string> text) =>
        rows.Count == 0 ? 0 : rows.Max(row => text(row).Length);
}
