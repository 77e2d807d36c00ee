using System.Diagnostics;

namespace DittoFs.Tools.Nfs.Transfer;

/// <summary>
/// The progress bar of get and put on stderr: redrawn in place (carriage return) at most every
/// <see cref="MinimumInterval"/>, finished with a newline. Disabled, it only counts (the summary still needs the
/// figures). Safe to call from concurrent completions. Disposing it ends a bar left drawn by a transfer that failed,
/// so the error message starts on a line of its own.
/// </summary>
internal sealed class TransferProgress : IDisposable
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter? _output;
    private readonly long? _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _done;
    private TimeSpan? _lastDrawn;
    private int _lastLength;
    private bool _lineOpen; // a bar is drawn and its line not ended

    /// <param name="output">Where to draw, or null to draw nothing.</param>
    /// <param name="total">The bytes expected, if known.</param>
    public TransferProgress(TextWriter? output, long? total)
    {
        _output = output;
        _total = total;
    }

    public long Done => Interlocked.Read(ref _done);
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Counts <paramref name="bytes"/> more and redraws if the last drawing is old enough.</summary>
    public void Add(long bytes)
    {
        long done = Interlocked.Add(ref _done, bytes);
        if (_output is null)
            return;
        var now = _clock.Elapsed;
        lock (_lock)
        {
            if (_lastDrawn is { } last && now - last < MinimumInterval)
                return;
            _lastDrawn = now;
            Draw(done, now);
        }
    }

    /// <summary>Resend after a server restart: the bytes since the last COMMIT count again.</summary>
    public void Rewind(long bytes) => Interlocked.Add(ref _done, -bytes);

    /// <summary>Draws the final figures and ends the line.</summary>
    public void Complete()
    {
        if (_output is null)
            return;
        lock (_lock)
        {
            Draw(Done, _clock.Elapsed);
            EndLine();
        }
    }

    /// <summary>Ends the bar's line if one is drawn and not ended (the transfer failed): what follows starts on a new line.</summary>
    public void Dispose()
    {
        if (_output is null)
            return;
        lock (_lock)
        {
            if (_lineOpen)
                EndLine();
        }
    }

    private void EndLine()
    {
        _output!.WriteLine();
        _output.Flush();
        _lineOpen = false;
    }

    private void Draw(long done, TimeSpan elapsed)
    {
        string line = ProgressFormat.Line(done, _total, elapsed);
        // Pad over a longer previous line so no stale characters remain.
        string padded = line.Length < _lastLength ? line.PadRight(_lastLength) : line;
        _lastLength = line.Length;
        _output!.Write('\r');
        _output.Write(padded);
        _output.Flush();
        _lineOpen = true;
    }
}
