using System.Net;
using System.Net.Sockets;
using Minio.Exceptions;

namespace DittoFs.Storage.S3.Remote;

/// <summary>
/// The one table from S3 failures to store statuses. Jukebox (NFS3ERR_JUKEBOX: the client retries later) for what
/// passes by itself: no connection, a timeout, a 5xx, throttling. Io for the rest (access denied, a missing bucket,
/// a malformed reply), which needs an operator.
/// </summary>
internal static class S3Failures
{
    // S3 error codes that mean "try again" though some services send them with a 4xx status.
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequests",
        "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed",
    };

    public static StoreStatus Classify(Exception exception) => exception switch
    {
        MinioException { ServerResponse: { } response } when IsTransient(response.StatusCode) => StoreStatus.Jukebox,
        MinioException { Response.Code: { } code } when TransientCodes.Contains(code) => StoreStatus.Jukebox,
        ConnectionException or InternalServerException => StoreStatus.Jukebox,
        S3HttpException http => FromStatusCode(http.StatusCode),
        // Connection refused or reset, a timeout (ours or HttpClient's), a body cut short.
        HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException => StoreStatus.Jukebox,
        _ when exception.InnerException is { } inner => Classify(inner),
        _ => StoreStatus.Io,
    };

    /// <summary>
    /// A transient failure that an immediate retry may cure: not a refused connection (the server is down) and not
    /// our own timeout (no time is left).
    /// </summary>
    public static bool IsWorthRetrying(Exception exception) =>
        Classify(exception) == StoreStatus.Jukebox
        && exception is not OperationCanceledException
        && !IsConnectionFailure(exception);

    public static StoreStatus FromStatusCode(HttpStatusCode status) => IsTransient(status) ? StoreStatus.Jukebox : StoreStatus.Io;

    public static StoreStatus FromErrorCode(string? code) =>
        code is not null && TransientCodes.Contains(code) ? StoreStatus.Jukebox : StoreStatus.Io;

    private static bool IsConnectionFailure(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => true,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostNotFound } => true,
        _ => exception.InnerException is { } inner && IsConnectionFailure(inner),
    };

    private static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;
}
