namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that runs an action just before it sends a request matching a condition, the first after the
/// <c>skip</c> matching ones it lets pass (to kill or freeze the server at an exact point of an operation), then
/// sends that request and every other one as they come.
/// </summary>
internal sealed class BeforeRequest(Func<HttpRequestMessage, bool> matches, Action action, int skip = 0) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock _sync = new();
    private int _matched;
    private bool _ran;

    /// <summary>The action ran.</summary>
    public bool Ran
    {
        get
        {
            lock (_sync)
            {
                return _ran;
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (!_ran && matches(request) && ++_matched > skip)
            {
                _ran = true;
                action();
            }
        }
        return base.SendAsync(request, cancellationToken);
    }
}
