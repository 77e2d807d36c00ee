using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace DittoFs.Cli;

/// <summary>
/// One line per message: <c>2026-12-07T19:03:51.752Z warn: DittoFs.Nfs.MountService[MountRefused] MOUNT /nosuch by
/// 127.0.0.1:525 refused: MNT3ERR_NOENT</c>. As the runtime's simple console formatter, but the event is named by its
/// name (the logging method's, without "Log") instead of its number, which for messages without an explicit id is a
/// hash nobody can read.
/// </summary>
internal sealed class TextLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "dittofs-text";

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter writer)
    {
        string? message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null)
            return;
        writer.Write(DateTime.UtcNow.ToString(Logging.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture));
        writer.Write(' ');
        writer.Write(LevelOf(entry.LogLevel));
        writer.Write(": ");
        writer.Write(entry.Category);
        if (EventOf(entry.EventId) is { } name)
        {
            writer.Write('[');
            writer.Write(name);
            writer.Write(']');
        }
        writer.Write(' ');
        writer.Write(OneLine(message ?? ""));
        if (entry.Exception is not null)
        {
            writer.Write(' ');
            writer.Write(OneLine(entry.Exception.ToString()));
        }
        writer.Write('\n');
    }

    internal static string? EventOf(EventId id) => id.Name switch
    {
        { Length: > 3 } name when name.StartsWith("Log", StringComparison.Ordinal) && char.IsUpper(name[3]) => name[3..],
        { Length: > 0 } name => name,
        _ => id.Id == 0 ? null : id.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string LevelOf(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
