using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace DittoFs.Storage.S3.Tests.Remote;

/// <summary>
/// An endpoint that cannot be used at open: the exception says why in a few words (what the server's one start-failure
/// line shows) and that the endpoint was unreachable, within the request timeout.
/// </summary>
public sealed class OpenFailureTests
{
    private static S3ContentStoreOptions Options(string endpoint) => new()
    {
        Endpoint = endpoint, Bucket = "dittofs-open", AccessKey = "a", SecretKey = "s", RequestTimeout = TimeSpan.FromSeconds(2),
    };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Test]
    public async Task A_refused_connection_says_connection_refused()
    {
        string endpoint = $"127.0.0.1:{ClosedPort()}";

        var failure = (await Assert.ThrowsAsync<S3UnavailableException>(() => S3ContentStore.OpenAsync(Options(endpoint))))!;

        Assert.That(failure.EndpointUnreachable, Is.True);
        Assert.That(failure.Message, Does.Contain(endpoint).And.Contain("connection refused").And.Not.Contain("\n"));
    }

    [Test]
    public async Task A_name_that_does_not_resolve_says_cannot_resolve()
    {
        var failure = (await Assert.ThrowsAsync<S3UnavailableException>(() => S3ContentStore.OpenAsync(Options("nosuchhost.invalid:9000"))))!;

        Assert.That(failure.EndpointUnreachable, Is.True);
        Assert.That(failure.Message, Does.Contain("cannot resolve nosuchhost.invalid"));
    }

    [Test]
    public async Task An_endpoint_that_accepts_and_never_answers_says_so_after_the_request_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        string endpoint = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failure = (await Assert.ThrowsAsync<S3UnavailableException>(() => S3ContentStore.OpenAsync(Options(endpoint))))!;

        Assert.That(failure.EndpointUnreachable, Is.True);
        Assert.That(failure.Message, Does.Contain("no answer within 2s"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
