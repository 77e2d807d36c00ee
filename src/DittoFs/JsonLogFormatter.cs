using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace DittoFs.Cli;

/// <summary>
/// One JSON object per line: <c>{"Timestamp":"2026-12-07T19:03:51.752Z","EventId":1893623394,"EventName":"MountRefused",
/// "LogLevel":"Warning","Category":"DittoFs.Nfs.MountService","Message":"MOUNT /nosuch by …","State":{"Path":"/nosuch",…}}</c>.
/// As the runtime's JSON console formatter, plus EventName: the runtime writes only the event's number, which for a
/// logging method without an explicit id is the generator's hash of the method name — stable from build to build and
/// machine to machine while the name stays, but not something a reader recognises. EventName is that name, as the
/// text format shows it (<see cref="TextLogFormatter.EventOf"/>); messages logged without an event have EventId 0 and no name.
/// </summary>
internal sealed class JsonLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "dittofs-json";

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter writer)
    {
        string? message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null)
            return;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", DateTime.UtcNow.ToString(Logging.TimestampFormat, CultureInfo.InvariantCulture));
            json.WriteNumber("EventId", entry.EventId.Id);
            if (entry.EventId.Name is { Length: > 0 })
                json.WriteString("EventName", TextLogFormatter.EventOf(entry.EventId));
            json.WriteString("LogLevel", entry.LogLevel.ToString());
            json.WriteString("Category", entry.Category);
            json.WriteString("Message", message);
            if (entry.Exception is not null)
                json.WriteString("Exception", entry.Exception.ToString());
            if (entry.State is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                json.WriteStartObject("State");
                foreach (var (key, value) in values)
                    WriteValue(json, key, value);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        writer.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        writer.Write('\n');
    }

    /// <summary>Numbers and booleans as such (a log shipper can compare them), anything else as its text.</summary>
    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool flag:
                json.WriteBoolean(key, flag);
                break;
            case byte or sbyte or short or ushort or int or uint or long:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong unsigned:
                json.WriteNumber(key, unsigned);
                break;
            case float or double or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
