using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>Every measurement one meter instance records, with its tags, as a MeterListener (dotnet-counters' way) sees it.</summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)> _measurements = new();

    public RecordedMeasurements(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags)
            copy[tag.Key] = tag.Value?.ToString();
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    /// <summary>The measurements of <paramref name="instrument"/> whose tags include all of <paramref name="tags"/> ("key=value").</summary>
    public IReadOnlyList<(double Value, Dictionary<string, string?> Tags)> Of(string instrument, params string[] tags) =>
        _measurements
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t[..t.IndexOf('=')], out var v) && v == t[(t.IndexOf('=') + 1)..]))
            .Select(m => (m.Value, m.Tags))
            .ToList();

    /// <summary>The sum of <see cref="Of"/>: a counter's total, or an up-down counter's current value.</summary>
    public double Sum(string instrument, params string[] tags) => Of(instrument, tags).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
