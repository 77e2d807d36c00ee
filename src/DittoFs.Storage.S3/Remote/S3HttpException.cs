using System.Net;

namespace DittoFs.Storage.S3.Remote;

/// <summary>An unexpected HTTP status on a request the store sends itself (the ranged GETs).</summary>
internal sealed class S3HttpException(HttpStatusCode statusCode, string key)
    : Exception($"HTTP {(int)statusCode} for '{key}'")
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}
