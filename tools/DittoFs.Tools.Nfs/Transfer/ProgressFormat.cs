using System.Globalization;
using System.Text;
using DittoFs.Tools.Nfs.Formatting;

namespace DittoFs.Tools.Nfs.Transfer;

/// <summary>
/// One line of the transfer progress bar, as a pure function of the figures so it can be tested:
/// <c>[#########...........]  45%  90.0 MiB / 200.0 MiB  312.4 MiB/s</c>. Without a known total the bar and
/// percentage are left out.
/// </summary>
internal static class ProgressFormat
{
    public const int BarWidth = 24;

    public static string Line(long done, long? total, TimeSpan elapsed)
    {
        var line = new StringBuilder();
        if (total is long size)
        {
            double fraction = size <= 0 ? 1.0 : Math.Clamp((double)done / size, 0.0, 1.0);
            int filled = (int)Math.Floor(fraction * BarWidth);
            line.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ");
            line.Append(string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(fraction * 100),3:0}%  "));
            line.Append(Sizes.Human(done)).Append(" / ").Append(Sizes.Human(size));
        }
        else
        {
            line.Append(Sizes.Human(done));
        }
        line.Append("  ").Append(Throughput(done, elapsed));
        return line.ToString();
    }

    /// <summary>Average throughput in MiB/s ("0.0 MiB/s" before any time has passed).</summary>
    public static string Throughput(long bytes, TimeSpan elapsed)
    {
        double seconds = elapsed.TotalSeconds;
        double rate = seconds <= 0 ? 0 : bytes / Sizes.Mebibyte / seconds;
        return string.Create(CultureInfo.InvariantCulture, $"{rate:0.0} MiB/s");
    }
}
