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

    /// <summary>
    /// Why the endpoint could not be reached, in a few words ("cannot resolve host.example", "connection refused",
    /// "no answer within 00:00:30"), or null when it was reached (S3 answered, with an error of its own).
    /// </summary>
    public static string? DescribeUnreachable(Exception exception, string endpoint, TimeSpan timeout)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return $"cannot resolve {HostOf(endpoint)}";
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused (is S3 running there?)";
                case SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable } socket:
                    return socket.Message;
                case OperationCanceledException or TimeoutException:
                    return $"no answer within {timeout.TotalSeconds:0.###}s (request_timeout)";
            }
        }
        return exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } ? exception.Message : null;
    }

    /// <summary>The host of "host", "host:port" or "[v6]:port".</summary>
    private static string HostOf(string endpoint) =>
        Uri.TryCreate("http://" + endpoint, UriKind.Absolute, out var url) ? url.Host : endpoint;

    private static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;
}
