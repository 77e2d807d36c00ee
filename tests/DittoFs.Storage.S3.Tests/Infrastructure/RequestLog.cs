using System.Collections.Concurrent;
using System.Net;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>An HTTP handler that records every request a store sends to S3, so tests can count them.</summary>
internal sealed class RequestLog() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<Request> _requests = new();

    public IReadOnlyList<Request> Requests => [.. _requests];

    public void Clear() => _requests.Clear();

    /// <summary>The requests of one method whose key ends with <paramref name="keySuffix"/>.</summary>
    public IReadOnlyList<Request> Of(HttpMethod method, string keySuffix) =>
        [.. _requests.Where(request => request.Method == method && request.Key.EndsWith(keySuffix, StringComparison.Ordinal))];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var logged = new Request(request.Method, Uri.UnescapeDataString(request.RequestUri!.AbsolutePath), request.Headers.Range?.ToString(), request.Headers.IfNoneMatch.Count > 0);
        _requests.Enqueue(logged);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        logged.Status = response.StatusCode;
        return response;
    }

    /// <summary>A request as sent; <see cref="Status"/> is its reply's, once it came.</summary>
    public sealed record Request(HttpMethod Method, string Key, string? Range, bool Conditional)
    {
        public HttpStatusCode? Status { get; set; }
    }
}
