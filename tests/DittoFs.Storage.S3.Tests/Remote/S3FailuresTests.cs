using System.Net;
using System.Net.Sockets;
using DittoFs.Storage.S3.Remote;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Remote;

public sealed class S3FailuresTests
{
    [Test]
    public void Connection_failures_and_timeouts_are_transient()
    {
        Assert.That(S3Failures.Classify(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))), Is.EqualTo(StoreStatus.Jukebox));
        Assert.That(S3Failures.Classify(new TaskCanceledException("timeout", new TimeoutException())), Is.EqualTo(StoreStatus.Jukebox));
        Assert.That(S3Failures.Classify(new IOException("reset")), Is.EqualTo(StoreStatus.Jukebox));
    }

    [TestCase(HttpStatusCode.InternalServerError, StoreStatus.Jukebox)]
    [TestCase(HttpStatusCode.ServiceUnavailable, StoreStatus.Jukebox)]
    [TestCase(HttpStatusCode.TooManyRequests, StoreStatus.Jukebox)]
    [TestCase(HttpStatusCode.Forbidden, StoreStatus.Io)]
    [TestCase(HttpStatusCode.BadRequest, StoreStatus.Io)]
    public void Http_statuses_map_to_transient_or_hard_failures(HttpStatusCode status, StoreStatus expected)
    {
        Assert.That(S3Failures.Classify(new S3HttpException(status, "key")), Is.EqualTo(expected));
    }

    [Test]
    public void Throttling_error_codes_are_transient_and_others_hard()
    {
        Assert.That(S3Failures.FromErrorCode("SlowDown"), Is.EqualTo(StoreStatus.Jukebox));
        Assert.That(S3Failures.FromErrorCode("AccessDenied"), Is.EqualTo(StoreStatus.Io));
    }

    [Test]
    public void Anything_else_is_a_hard_failure()
    {
        Assert.That(S3Failures.Classify(new InvalidOperationException("bug")), Is.EqualTo(StoreStatus.Io));
    }
    [Test]
    public void A_reply_cut_short_or_a_5xx_is_retried_but_a_refused_connection_and_a_timeout_are_not()
    {
        Assert.That(S3Failures.IsWorthRetrying(new HttpIOException(HttpRequestError.ResponseEnded)), Is.True);
        Assert.That(S3Failures.IsWorthRetrying(new S3HttpException(HttpStatusCode.ServiceUnavailable, "key")), Is.True);
        Assert.That(S3Failures.IsWorthRetrying(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused))), Is.False);
        Assert.That(S3Failures.IsWorthRetrying(new TaskCanceledException("timeout")), Is.False);
        Assert.That(S3Failures.IsWorthRetrying(new S3HttpException(HttpStatusCode.Forbidden, "key")), Is.False);
    }
}
