using System.Net;
using System.Net.Sockets;
using System.Text;
using DittoFs.Server.Configuration;
using DittoFs.Server.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace DittoFs.Server.Tests.Metrics;

/// <summary>The metrics port's HTTP server: over IPv6 and IPv4, and what it does with requests it cannot serve.</summary>
public sealed class HttpResponderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static HttpResponder Start(IPAddress address) =>
        HttpResponder.Start(address, 0, path => new HttpAnswer(200, "text/plain; charset=utf-8", $"you asked for {path}\n"));

    /// <summary>Sends <paramref name="request"/> as is over a raw socket and reads the answer to the end (the server closes).</summary>
    private static async Task<string> ExchangeAsync(IPEndPoint endPoint, byte[] request)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endPoint, timeout.Token);
        try
        {
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            // the server may answer and close before a large request is all sent
        }
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
            {
                break; // closed with our unread bytes still queued: what came before the reset is the answer
            }
            if (read == 0)
                break;
            answer.Write(buffer, 0, read);
        }
        return Encoding.ASCII.GetString(answer.ToArray());
    }

    private static Task<string> ExchangeAsync(IPEndPoint endPoint, string request) => ExchangeAsync(endPoint, Encoding.ASCII.GetBytes(request));

    [Test]
    public async Task A_GET_over_the_IPv6_loopback_is_answered_with_the_path_and_a_content_length()
    {
        using var http = Start(IPAddress.IPv6Loopback);
        using var client = new HttpClient { Timeout = Timeout };

        using var response = await client.GetAsync($"http://[::1]:{http.LocalEndPoint.Port}/metrics?name=x");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("you asked for /metrics\n"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo("you asked for /metrics\n".Length));
    }

    [Test]
    public async Task Every_address_is_one_dual_stack_socket_reached_over_IPv6_and_IPv4()
    {
        using var http = Start(ListenAddress.ToBind("", "metrics.address"));
        int port = http.LocalEndPoint.Port;

        Assert.That(await ExchangeAsync(new IPEndPoint(IPAddress.IPv6Loopback, port), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, port), "GET /healthz HTTP/1.0\r\n\r\n"), Does.StartWith("HTTP/1.1 200 OK\r\n"));
    }

    [TestCase("HELLO\r\n\r\n", TestName = "A request line without method, target and version gets 400")]
    [TestCase("GET metrics HTTP/1.1\r\n\r\n", TestName = "A target that is not a path gets 400")]
    [TestCase("GET /metrics HTTP/2.0\r\n\r\n", TestName = "A version other than HTTP/1.x gets 400")]
    [TestCase("GET  /metrics HTTP/1.1\r\n\r\n", TestName = "A request line with extra spaces gets 400")]
    public async Task Malformed_requests_get_400_and_the_connection_is_closed(string request)
    {
        using var http = Start(IPAddress.IPv6Loopback);

        string answer = await ExchangeAsync(http.LocalEndPoint, request);

        Assert.That(answer, Does.StartWith("HTTP/1.1 400 Bad Request\r\n"));
        Assert.That(answer, Does.Contain("Connection: close\r\n"));
    }

    [Test]
    public async Task A_request_head_larger_than_the_limit_gets_400_and_the_next_request_is_served()
    {
        using var http = Start(IPAddress.IPv6Loopback);
        string huge = "GET /metrics HTTP/1.1\r\nX-Filler: " + new string('a', HttpResponder.MaxRequestBytes) + "\r\n\r\n";

        Assert.That(await ExchangeAsync(http.LocalEndPoint, huge), Does.StartWith("HTTP/1.1 400 Bad Request\r\n"));
        Assert.That(await ExchangeAsync(http.LocalEndPoint, "GET /metrics HTTP/1.1\r\n\r\n"), Does.EndWith("you asked for /metrics\n"));
    }

    [Test]
    public async Task Methods_other_than_GET_get_405_naming_GET()
    {
        using var http = Start(IPAddress.IPv6Loopback);

        string answer = await ExchangeAsync(http.LocalEndPoint, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");

        Assert.That(answer, Does.StartWith("HTTP/1.1 405 Method Not Allowed\r\n"));
        Assert.That(answer, Does.Contain("Allow: GET\r\n"));
    }

    [Test]
    public async Task Clients_that_close_early_or_send_nothing_do_not_stop_the_others_being_served()
    {
        using var http = Start(IPAddress.IPv6Loopback);
        using (var silent = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp))
        {
            await silent.ConnectAsync(http.LocalEndPoint);
            using var halfway = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            await halfway.ConnectAsync(http.LocalEndPoint);
            await halfway.SendAsync("GET /metr"u8.ToArray(), SocketFlags.None);
            halfway.Close();

            // The silent one is still connected, waiting for its request timeout: others are answered meanwhile.
            Assert.That(await ExchangeAsync(http.LocalEndPoint, "GET /healthz HTTP/1.1\r\n\r\n"), Does.EndWith("you asked for /healthz\n"));
        }
        Assert.That(await ExchangeAsync(http.LocalEndPoint, "GET /metrics HTTP/1.1\r\n\r\n"), Does.EndWith("you asked for /metrics\n"));
    }

    [Test]
    public async Task A_server_with_metrics_address_IPv6_loopback_serves_healthz_there_and_not_over_IPv4()
    {
        int port = HotPathAllocationTests.FreePort();
        var config = MetricsEndpointTests.MemoryConfig(metrics: true, port);
        config.Metrics.Address = "::1";
        await using var server = await DittoServer.StartAsync(config, NullLoggerFactory.Instance);
        using var client = new HttpClient { Timeout = Timeout };

        using var health = await client.GetAsync($"http://[::1]:{port}/healthz");

        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("serving\n"));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{port}/healthz"));
    }
}
