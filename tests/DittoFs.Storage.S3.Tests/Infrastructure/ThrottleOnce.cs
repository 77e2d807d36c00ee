using System.Net;
using System.Text;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that answers the first request matching a condition with 503 SlowDown, as S3 does when it
/// throttles, and sends every other request to the server.
/// </summary>
internal sealed class ThrottleOnce(Func<HttpRequestMessage, bool> matches) : DelegatingHandler(new SocketsHttpHandler())
{
    private int _throttled;

    public bool Throttled => Volatile.Read(ref _throttled) == 1;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (matches(request) && Interlocked.Exchange(ref _throttled, 1) == 0)
        {
            const string Body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                RequestMessage = request,
                Content = new StringContent(Body, Encoding.UTF8, "application/xml"),
            });
        }
        return base.SendAsync(request, cancellationToken);
    }
}
