namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// An HTTP handler that holds every listing request (one page of keys) for <c>delay</c> before sending it, as an S3
/// that lists slowly would, and counts them. The wait ends early when the request is cancelled (its timeout).
/// </summary>
internal sealed class SlowListings(TimeSpan delay) : DelegatingHandler(new SocketsHttpHandler())
{
    private int _pages;

    /// <summary>Listing requests sent so far.</summary>
    public int Pages => Volatile.Read(ref _pages);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (TestStores.IsListing(request))
        {
            Interlocked.Increment(ref _pages);
            await Task.Delay(delay, cancellationToken);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
