using System.Globalization;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// A scrape in the Prometheus text exposition format (version 0.0.4), parsed from scratch so the test checks what
/// a Prometheus server would read: "# TYPE name kind" lines, and samples <c>name{label="value",...} value [timestamp]</c>
/// with label values escaped as \\, \" and \n.
/// </summary>
internal sealed class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private PrometheusText(Dictionary<string, string> types, List<Sample> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>Metric family name to its type: counter, gauge, histogram, summary or untyped.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            if (line.StartsWith('#'))
            {
                var words = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length >= 4 && words[1] == "TYPE")
                    types[words[2]] = words[3];
                continue; // HELP, UNIT, EOF and comments
            }
            samples.Add(ParseSample(line, number));
        }
        return new PrometheusText(types, samples);
    }

    private static Sample ParseSample(string line, int number)
    {
        int at = 0;
        while (at < line.Length && line[at] is not ('{' or ' '))
            at++;
        string name = line[..at];
        if (name.Length == 0)
            throw new FormatException($"line {number}: no metric name: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                int equals = line.IndexOf('=', at);
                string label = line[at..equals].Trim();
                if (line[equals + 1] != '"')
                    throw new FormatException($"line {number}: label {label} has no quoted value: {line}");
                var value = new StringBuilder();
                at = equals + 2;
                for (; line[at] != '"'; at++)
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        value.Append(line[at]);
                    }
                }
                labels[label] = value.ToString();
                at++; // closing quote
                if (line[at] == ',')
                    at++;
            }
            at++; // closing brace
        }
        var rest = line[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
            throw new FormatException($"line {number}: expected a value and an optional timestamp: {line}");
        return new Sample(name, labels, Number(rest[0]) ?? throw new FormatException($"line {number}: '{rest[0]}' is not a sample value"));
    }

    /// <summary>A sample value or an "le" bound: a float, +Inf, -Inf or NaN; null if it is none of those.</summary>
    public static double? Number(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null,
    };

    /// <summary>Samples of <paramref name="name"/> whose labels include every "key=value" of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l[..l.IndexOf('=')], out var v) && v == l[(l.IndexOf('=') + 1)..]));

    /// <summary>The sum of the matching samples (a counter over the label values left open), 0 if none.</summary>
    public double Sum(string name, params string[] labels) => Find(name, labels).Sum(s => s.Value);
}
