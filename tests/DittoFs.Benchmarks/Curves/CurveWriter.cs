using System.Globalization;
using System.Text;
using ScottPlot;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// Writes curves as charts (<c>ID.svg</c>, ScottPlot) and as markdown tables (one row per x, one column per series),
/// gathered in one <c>curves.md</c> that shows each chart above its table.
/// </summary>
internal static class CurveWriter
{
    /// <summary>Every non-empty curve's chart into <paramref name="folder"/>, and curves.md with the header, charts and tables.</summary>
    public static string WriteAll(string folder, string header, IEnumerable<Curve> curves, IEnumerable<string> findings)
    {
        Directory.CreateDirectory(folder);
        var markdown = new StringBuilder(header.TrimEnd()).AppendLine().AppendLine();
        var found = findings.ToList();
        if (found.Count > 0)
        {
            markdown.AppendLine("## Targets").AppendLine();
            foreach (var finding in found)
                markdown.AppendLine($"- {finding}");
            markdown.AppendLine();
        }
        foreach (var curve in curves.Where(curve => !curve.IsEmpty))
        {
            Plot(curve, Path.Combine(folder, curve.Id + ".svg"));
            markdown.AppendLine($"## {curve.Title}").AppendLine();
            markdown.AppendLine($"![{curve.Title}]({curve.Id}.svg)").AppendLine();
            markdown.Append(Table(curve));
            foreach (var note in curve.Notes)
                markdown.AppendLine().AppendLine(note);
            markdown.AppendLine();
        }
        string path = Path.Combine(folder, "curves.md");
        File.WriteAllText(path, markdown.ToString());
        return path;
    }

    /// <summary>A markdown table: the x label and each series as columns, one row per x any series has, "-" where a series has none.</summary>
    public static string Table(Curve curve)
    {
        var series = curve.Series.ToList();
        var xs = series.SelectMany(s => s.Points).Select(point => point.X).Distinct().Order().ToList();
        var table = new StringBuilder();
        table.AppendLine($"| {curve.XLabel} | {string.Join(" | ", series.Select(s => s.Name))} |");
        table.AppendLine($"|---:|{string.Concat(series.Select(_ => "---:|"))}");
        foreach (double x in xs)
        {
            table.Append($"| {Count(x)} |");
            foreach (var (_, points) in series)
            {
                var point = points.Where(p => p.X == x).Select(p => (double?)p.Y).FirstOrDefault();
                table.Append($" {(point is double y ? Figure(y) : "-")} |");
            }
            table.AppendLine();
        }
        table.AppendLine().AppendLine($"{curve.YLabel}.");
        return table.ToString();
    }

    /// <summary>The chart: each series as markers joined by lines, y from 0, a legend, x on a log scale when the curve spans decades.</summary>
    public static void Plot(Curve curve, string path)
    {
        var plot = new Plot();
        foreach (var (name, points) in curve.Series)
        {
            var sorted = points.OrderBy(point => point.X).ToArray();
            var xs = sorted.Select(point => curve.LogX ? Math.Log10(point.X) : point.X).ToArray();
            var scatter = plot.Add.Scatter(xs, sorted.Select(point => point.Y).ToArray());
            scatter.LegendText = name;
            scatter.MarkerSize = 6;
        }
        if (curve.LogX)
        {
            // Ticks at the measured x values, labelled as counts (10k, 1M), on log10 positions.
            var ticks = curve.Series.SelectMany(s => s.Points).Select(point => point.X).Where(x => x > 0).Distinct().Order().ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(Math.Log10).ToArray(), ticks.Select(Count).ToArray());
        }
        // y from 0, so that a drop reads at its true size; the legend beside the chart, off the points.
        double top = curve.Series.SelectMany(series => series.Points).Max(point => point.Y);
        plot.Axes.SetLimitsY(0, top > 0 ? top * 1.08 : 1);
        plot.Title(curve.Title);
        plot.XLabel(curve.XLabel);
        plot.YLabel(curve.YLabel);
        plot.ShowLegend(Edge.Right);
        plot.SaveSvg(path, 1000, 540);
    }

    /// <summary>Counts as people write them: 1k, 100k, 1M, 1.5M, 64; other values as <see cref="Figure"/>.</summary>
    public static string Count(double value)
    {
        if (value >= 1_000_000 && value % 100_000 == 0)
            return (value / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M";
        if (value >= 1_000 && value % 100 == 0)
            return (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + "k";
        return value == Math.Floor(value) ? value.ToString("0", CultureInfo.InvariantCulture) : Figure(value);
    }

    /// <summary>Whole numbers from 100 up, two significant decimals below.</summary>
    public static string Figure(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "0" : Math.Abs(value) >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
