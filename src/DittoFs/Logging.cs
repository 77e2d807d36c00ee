using Microsoft.Extensions.Logging;

namespace DittoFs.Cli;

/// <summary>Console logging at the configured level (DEBUG, INFO, WARN, ERROR).</summary>
internal static class Logging
{
    public static ILoggerFactory Create(string level) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(level.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "WARN" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            _ => LogLevel.Information,
        })
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            options.UseUtcTimestamp = true;
        }));
}
