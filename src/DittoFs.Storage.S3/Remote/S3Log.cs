using Microsoft.Extensions.Logging;

namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// Log messages of the S3 store. Failed requests are warnings: the NFS client is told to retry (Jukebox) or gets
/// an I/O error, and the operator needs the request, the key and the cause to tell an outage from a misconfiguration.
/// </summary>
internal static partial class S3Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "S3 {Operation} of '{Key}' in bucket '{Bucket}' failed ({Status})")]
    public static partial void RequestFailed(ILogger logger, string operation, string key, string bucket, StoreStatus status, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Length object '{Key}' in bucket '{Bucket}' does not hold a length")]
    public static partial void BadLengthObject(ILogger logger, string key, string bucket);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Created bucket '{Bucket}' at {Endpoint}")]
    public static partial void BucketCreated(ILogger logger, string bucket, string endpoint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "S3 bucket '{Bucket}' at {Endpoint} did not answer within {Timeout}: calls answer Jukebox at once, one probing each second, until it answers")]
    public static partial void Silent(ILogger logger, string bucket, string endpoint, TimeSpan timeout);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "S3 bucket '{Bucket}' at {Endpoint} answers again")]
    public static partial void AnsweringAgain(ILogger logger, string bucket, string endpoint);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "S3 {Operation} of '{Key}' in bucket '{Bucket}' not sent: S3 is silent (Jukebox)")]
    public static partial void SkippedWhileSilent(ILogger logger, string operation, string key, string bucket);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "S3 block cache file '{File}' cannot be read; it is dropped and the block fetched from S3")]
    public static partial void DiskReadFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "S3 block cache directory '{Directory}' cannot be written; the block is not cached on disk")]
    public static partial void DiskWriteFailed(ILogger logger, string directory, Exception exception);
}
