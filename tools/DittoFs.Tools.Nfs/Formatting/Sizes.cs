using System.Globalization;

namespace DittoFs.Tools.Nfs.Formatting;

/// <summary>Byte counts for people: binary units (KiB, MiB, ...) with one decimal.</summary>
internal static class Sizes
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public const double Mebibyte = 1024.0 * 1024.0;

    /// <summary>"512 B", "1.0 KiB", "200.0 MiB".</summary>
    public static string Human(double bytes)
    {
        int unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < Units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {Units[unit]}");
    }
}
