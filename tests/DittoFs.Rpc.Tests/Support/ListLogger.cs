using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DittoFs.Rpc.Tests;

/// <summary>A logger that keeps what was logged at Information and above.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
