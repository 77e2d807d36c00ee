using System.Diagnostics;
using System.Globalization;

namespace DittoFs.Benchmarks;

/// <summary>A process's resident set (VmRSS from /proc), read once or once it stopped changing.</summary>
internal static class ProcessMemory
{
    /// <summary>The resident set of <paramref name="pid"/> once it changed by less than 1 % over <paramref name="quiet"/> (or at <paramref name="limit"/>).</summary>
    public static async Task<long> SettledRssAsync(int pid, TimeSpan quiet, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        long last = Rss(pid);
        var since = clock.Elapsed;
        while (clock.Elapsed < limit)
        {
            await Task.Delay(250);
            long now = Rss(pid);
            if (Math.Abs(now - last) > last / 100)
            {
                last = now;
                since = clock.Elapsed;
            }
            else if (clock.Elapsed - since >= quiet)
            {
                return now;
            }
        }
        return Rss(pid);
    }

    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }
}
