using System.Net;
using System.Text;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that, while armed, sends each request matching a condition to the server and then answers the
/// store 500 InternalError instead of the server's reply: S3 applied the request, the store cannot know it (as after
/// a reply lost to a reset or a timeout). Every other request, and all of them once disarmed, go through unchanged.
/// </summary>
internal sealed class LostReplies(Func<HttpRequestMessage, bool> matches) : DelegatingHandler(new SocketsHttpHandler())
{
    private volatile bool _armed;
    private int _lost;

    /// <summary>Requests whose reply was lost so far.</summary>
    public int Lost => Volatile.Read(ref _lost);

    public void Arm() => _armed = true;

    public void Disarm() => _armed = false;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool lose = _armed && matches(request);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!lose)
        {
            return response;
        }
        response.Dispose();
        Interlocked.Increment(ref _lost);
        const string Body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>";
        return new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            RequestMessage = request,
            Content = new StringContent(Body, Encoding.UTF8, "application/xml"),
        };
    }
}
