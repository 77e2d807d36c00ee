using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>Writes a store's warnings to the test run's progress output, so a failing test shows which request failed and why.</summary>
internal sealed class ProgressLogger : ILogger
{
    public static ProgressLogger Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            TestContext.Progress.WriteLine($"[{logLevel}] {formatter(state, exception)}: {exception?.GetType().Name} {exception?.Message}");
        }
    }
}
