using Microsoft.Extensions.Logging;

namespace DittoFs.Storage.Postgres;

/// <summary>Log messages of the PostgreSQL store. They name the database as "NAME at HOST:PORT", never the password.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "PostgreSQL database {Database} is unavailable ({Operation}: {Reason}): calls answer Jukebox until it answers again")]
    public static partial void Unavailable(ILogger logger, string database, string operation, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "PostgreSQL database {Database} answers again")]
    public static partial void AnsweringAgain(ILogger logger, string database);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "PostgreSQL database {Database}: {Operation} failed (Io)")]
    public static partial void Failed(ILogger logger, string database, string operation, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "PostgreSQL database {Database}: {Operation} still conflicted after {Attempts} attempts (Jukebox)")]
    public static partial void GaveUp(ILogger logger, string database, string operation, int attempts);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "PostgreSQL database {Database}: {Operation} ran past the statement timeout, waiting for a lock another change holds or for a slow database (Jukebox)")]
    public static partial void TimedOut(ILogger logger, string database, string operation);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "PostgreSQL database {Database} opened: DittoFs schema version {Version}")]
    public static partial void Opened(ILogger logger, string database, int version);
}
