using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DittoFs.Cli;

/// <summary>
/// Console logging at the configured level (DEBUG, INFO, WARN, ERROR), as text (one line per message, events named:
/// <see cref="TextLogFormatter"/>) or as JSON (<see cref="JsonLogFormatter"/>: one object per line with Timestamp,
/// EventId and EventName, LogLevel, Category, Message, Exception and the message's named values under State, e.g.
/// Client and Procedure, which log shippers index without parsing text).
/// </summary>
internal static class Logging
{
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public static ILoggerFactory Create(string level, string format) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(level.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "WARN" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            _ => LogLevel.Information,
        });
        if (format == "json")
        {
            builder.AddConsole(options => options.FormatterName = JsonLogFormatter.FormatterName)
                .AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
        }
        else
        {
            builder.AddConsole(options => options.FormatterName = TextLogFormatter.FormatterName)
                .AddConsoleFormatter<TextLogFormatter, ConsoleFormatterOptions>();
        }
    });
}
