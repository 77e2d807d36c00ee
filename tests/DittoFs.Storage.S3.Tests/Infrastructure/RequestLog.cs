using System.Collections.Concurrent;
using System.Net.Http.Headers;

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

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue(new Request(request.Method, Uri.UnescapeDataString(request.RequestUri!.AbsolutePath), request.Headers.Range?.ToString()));
        return base.SendAsync(request, cancellationToken);
    }

    public sealed record Request(HttpMethod Method, string Key, string? Range);
}
