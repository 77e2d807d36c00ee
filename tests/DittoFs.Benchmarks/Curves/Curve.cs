namespace DittoFs.Benchmarks.Curves;

/// <summary>One measured point of a series: at <see cref="X"/> (files, entries, connections), the figure <see cref="Y"/>.</summary>
internal readonly record struct CurvePoint(double X, double Y);

/// <summary>
/// One chart of the curves run: named series of points over a shared x axis (files on a share, a page's position in a
/// directory, connections), filled in as the run measures them and drawn by <see cref="CurveWriter"/>.
/// </summary>
/// <param name="Id">File name of its chart (<c>Id.svg</c>), and its anchor in curves.md.</param>
/// <param name="LogX">Whether x spans decades (10k, 100k, 1M): drawn on a log scale.</param>
internal sealed class Curve(string id, string title, string xLabel, string yLabel, bool logX)
{
    private readonly List<(string Name, List<CurvePoint> Points)> _series = [];

    public string Id { get; } = id;
    public string Title { get; } = title;
    public string XLabel { get; } = xLabel;
    public string YLabel { get; } = yLabel;
    public bool LogX { get; } = logX;

    /// <summary>What the curve shows or how it was measured, printed under its table.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Series in the order their first point came.</summary>
    public IEnumerable<(string Name, IReadOnlyList<CurvePoint> Points)> Series =>
        _series.Select(series => (series.Name, (IReadOnlyList<CurvePoint>)series.Points));

    public bool IsEmpty => _series.Count == 0;

    public void Add(string series, double x, double y)
    {
        int index = _series.FindIndex(existing => existing.Name == series);
        if (index < 0)
        {
            _series.Add((series, []));
            index = _series.Count - 1;
        }
        _series[index].Points.Add(new CurvePoint(x, y));
    }

    /// <summary>The series' y at x, if measured.</summary>
    public double? At(string series, double x) =>
        _series.FirstOrDefault(existing => existing.Name == series).Points?.Where(point => point.X == x).Select(point => (double?)point.Y).FirstOrDefault();
}
