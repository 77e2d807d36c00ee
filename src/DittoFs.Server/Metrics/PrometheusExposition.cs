using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DittoFs.Server.Metrics;

/// <summary>
/// Writes the metrics of one collection in the Prometheus text exposition format (version 0.0.4), on OpenTelemetry's
/// stable SDK: the SDK aggregates (nothing changes on the paths that count), this exporter only renders what
/// <see cref="MetricReader.Collect"/> hands it, on the scraping thread. Names follow OpenTelemetry's Prometheus
/// conventions, so series keep the names the earlier (beta) exporter gave them: dots become underscores, the unit
/// is appended as a word (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; <c>{request}</c> annotations
/// dropped), and monotonic sums end in <c>_total</c>. No timestamps: Prometheus stamps a scrape itself.
/// </summary>
/// <remarks>
/// Not marked pull-only (<see cref="ExportModesAttribute"/>): the SDK lets a pull-only exporter collect only inside
/// its internal pull scope. A plain <see cref="BaseExportingMetricReader"/> has no timer, so this one still exports
/// only when <see cref="Scrape"/> collects (and once more, to nothing, when the provider shuts down).
/// </remarks>
internal sealed class PrometheusExposition : BaseExporter<Metric>
{
    /// <summary>
    /// Instruments of the runtime's System.Runtime meter that it declares as (observable) counters but whose values
    /// go down as well (threads now, items queued now): exported as the gauges they are.
    /// </summary>
    private static readonly HashSet<string> LevelsDeclaredAsCounters = ["dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length"];

    private readonly Lock _scraping = new();
    private StringBuilder? _text;

    /// <summary>Collects every instrument through <paramref name="reader"/> and returns the text; one scrape at a time.</summary>
    public string Scrape(MetricReader reader)
    {
        lock (_scraping)
        {
            _text = new StringBuilder(64 * 1024);
            reader.Collect();
            string text = _text.ToString();
            _text = null;
            return text;
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        if (_text is null)
            return ExportResult.Failure;
        foreach (var metric in batch)
            Write(_text, metric);
        return ExportResult.Success;
    }

    private static void Write(StringBuilder text, Metric metric)
    {
        var type = metric.MetricType;
        bool counter = type is MetricType.LongSum or MetricType.DoubleSum && !LevelsDeclaredAsCounters.Contains(metric.Name);
        bool histogram = type == MetricType.Histogram;
        if (type == MetricType.ExponentialHistogram)
            return; // none of ours; the text format has no native histograms
        string name = Name(metric.Name, metric.Unit, counter, gauge: !counter && !histogram);
        if (!string.IsNullOrEmpty(metric.Description))
            text.Append("# HELP ").Append(name).Append(' ').Append(metric.Description.Replace("\\", @"\\").Replace("\n", @"\n")).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(counter ? "counter" : histogram ? "histogram" : "gauge").Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (histogram)
            {
                long cumulative = 0;
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    cumulative += bucket.BucketCount;
                    text.Append(name).Append("_bucket");
                    Labels(text, point.Tags, Number(bucket.ExplicitBound));
                    text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                text.Append(name).Append("_sum");
                Labels(text, point.Tags, null);
                text.Append(' ').Append(Number(point.GetHistogramSum())).Append('\n');
                text.Append(name).Append("_count");
                Labels(text, point.Tags, null);
                text.Append(' ').Append(point.GetHistogramCount().ToString(CultureInfo.InvariantCulture)).Append('\n');
                continue;
            }
            text.Append(name);
            Labels(text, point.Tags, null);
            text.Append(' ').Append(type switch
            {
                MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong().ToString(CultureInfo.InvariantCulture),
                MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => Number(point.GetSumDouble()),
                MetricType.LongGauge => point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture),
                _ => Number(point.GetGaugeLastValueDouble()),
            }).Append('\n');
        }
    }

    private static void Labels(StringBuilder text, ReadOnlyTagCollection tags, string? le)
    {
        if (tags.Count == 0 && le is null)
            return;
        text.Append('{');
        bool first = true;
        foreach (var tag in tags)
        {
            if (!first)
                text.Append(',');
            first = false;
            text.Append(Sanitize(tag.Key)).Append("=\"");
            AppendEscaped(text, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "");
            text.Append('"');
        }
        if (le is not null)
            text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
        text.Append('}');
    }

    private static void AppendEscaped(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The Prometheus name of an instrument: <c>dittofs.rpc.requests</c> with unit <c>{request}</c> as a counter is
    /// <c>dittofs_rpc_requests_total</c>; <c>dittofs.rpc.request.duration</c> in <c>s</c> is
    /// <c>dittofs_rpc_request_duration_seconds</c>; a gauge of unit <c>1</c> ends in <c>_ratio</c>.
    /// </summary>
    internal static string Name(string instrument, string? unit, bool counter, bool gauge)
    {
        string name = Sanitize(instrument);
        string suffix = unit == "1" ? (gauge ? "ratio" : "") : UnitWord(unit);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
            name += "_" + suffix;
        if (counter && !name.EndsWith("_total", StringComparison.Ordinal))
            name += "_total";
        return name;
    }

    /// <summary>UCUM units as Prometheus words; <c>{...}</c> annotations say what is counted and are dropped.</summary>
    private static string UnitWord(string? unit)
    {
        if (string.IsNullOrEmpty(unit))
            return "";
        var plain = new StringBuilder();
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{')
                depth++;
            else if (c == '}')
                depth = Math.Max(0, depth - 1);
            else if (depth == 0)
                plain.Append(c);
        }
        string rest = plain.ToString().Trim();
        if (rest.Length == 0)
            return "";
        int slash = rest.IndexOf('/');
        if (slash > 0)
            return Sanitize($"{Word(rest[..slash])}_per_{PerWord(rest[(slash + 1)..])}");
        return Sanitize(Word(rest));
    }

    private static string Word(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "bit" => "bits",
        "Hz" => "hertz",
        "%" => "percent",
        _ => unit,
    };

    private static string PerWord(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        _ => Word(unit),
    };

    /// <summary>Characters a Prometheus name may not hold become '_', runs of them one '_'.</summary>
    private static string Sanitize(string name)
    {
        var clean = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            bool valid = char.IsAsciiLetterOrDigit(c) || c is '_' or ':';
            if (valid)
                clean.Append(c);
            else if (clean.Length == 0 || clean[^1] != '_')
                clean.Append('_');
        }
        if (clean.Length > 0 && char.IsAsciiDigit(clean[0]))
            clean.Insert(0, '_');
        return clean.ToString();
    }
}
