using System.Net;
using System.Text;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that answers requests matching a condition with 503 SlowDown, as S3 does when it throttles: it
/// lets the first <c>skip</c> of them through, then throttles the next <c>times</c>, and none once stopped. Every
/// other request goes to the server.
/// </summary>
internal sealed class Throttle(Func<HttpRequestMessage, bool> matches, int skip = 0, int times = int.MaxValue) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock _sync = new();
    private int _matched;
    private int _throttled;
    private bool _stopped;

    /// <summary>Requests answered with SlowDown so far.</summary>
    public int Throttled
    {
        get
        {
            lock (_sync)
            {
                return _throttled;
            }
        }
    }

    /// <summary>From now on every request goes to the server.</summary>
    public void Stop()
    {
        lock (_sync)
        {
            _stopped = true;
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (ThrottlesNow(request))
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

    private bool ThrottlesNow(HttpRequestMessage request)
    {
        lock (_sync)
        {
            if (_stopped || _throttled >= times || !matches(request) || ++_matched <= skip)
            {
                return false;
            }
            _throttled++;
            return true;
        }
    }
}
