using System.Globalization;
using DittoFs.Protocol;

namespace DittoFs.Tools.Nfs.Formatting;

/// <summary>nfstime3 (RFC 1813 §2.5: seconds and nanoseconds since the Unix epoch) as text.</summary>
internal static class NfsTime
{
    public static DateTimeOffset ToDateTime(Nfstime3 time) =>
        DateTimeOffset.FromUnixTimeSeconds(time.Seconds).AddTicks(time.Nseconds / 100);

    /// <summary>As ls -l: "Jan  5 12:34" within six months of <paramref name="now"/>, else "Jan  5  2023" (UTC).</summary>
    public static string ForListing(Nfstime3 time, DateTimeOffset now)
    {
        var value = ToDateTime(time);
        bool recent = value > now.AddMonths(-6) && value < now.AddMonths(6);
        string day = string.Create(CultureInfo.InvariantCulture, $"{value:MMM} {value.Day,2}");
        return recent
            ? string.Create(CultureInfo.InvariantCulture, $"{day} {value:HH:mm}")
            : string.Create(CultureInfo.InvariantCulture, $"{day}  {value:yyyy}");
    }

    /// <summary>As stat(1): "2024-01-05 12:34:56.123456789 +0000".</summary>
    public static string Full(Nfstime3 time) =>
        string.Create(CultureInfo.InvariantCulture, $"{ToDateTime(time):yyyy-MM-dd HH:mm:ss}.{time.Nseconds:D9} +0000");
}
