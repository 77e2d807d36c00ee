using System.Net;
using System.Net.Sockets;
using System.Text;
using DittoFs.Rpc;

namespace DittoFs.Server.Metrics;

/// <summary>What <see cref="HttpResponder"/> sends for a path: status, content type and a small text body.</summary>
internal readonly record struct HttpAnswer(int Status, string ContentType, string Body);

/// <summary>
/// A minimal HTTP/1.1 server for the metrics port: GET only, one request per connection (answered with
/// <c>Connection: close</c>, which Prometheus and load balancer probes handle), on a socket bound like the NFS port, so
/// dual-stack by default and IPv6 when asked — what the runtime's HttpListener cannot do on Linux. A request head larger
/// than <see cref="MaxRequestBytes"/> or not read within <see cref="RequestTimeout"/> is refused (400) or dropped, a
/// connection beyond <see cref="MaxConnections"/> is closed at once, and no client can make it throw.
/// </summary>
internal sealed class HttpResponder : IDisposable
{
    /// <summary>Request line and headers together; a scraper's are a few hundred bytes.</summary>
    public const int MaxRequestBytes = 8 * 1024;

    /// <summary>Time a client has to send its request and take the answer; generous, for a loaded host.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connections served at once; more are closed unanswered, so a flood costs a bounded amount of memory.</summary>
    public const int MaxConnections = 64;

    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    private readonly Socket _listener;
    private readonly Func<string, HttpAnswer> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _open;

    private HttpResponder(Socket listener, Func<string, HttpAnswer> answer)
    {
        _listener = listener;
        _answer = answer;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Listens on <paramref name="address"/>:<paramref name="port"/> and answers each GET with <paramref name="answer"/>
    /// of its path (without the query); throws <see cref="SocketException"/> if the port cannot be bound.
    /// </summary>
    public static HttpResponder Start(IPAddress address, int port, Func<string, HttpAnswer> answer) =>
        new(ListeningSocket.Open(address, port, backlog: 64), answer);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopped
            }
            catch (SocketException)
            {
                continue; // a connection reset before it was accepted
            }
            if (Interlocked.Increment(ref _open) > MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                client.Dispose();
                continue;
            }
            // Each connection on its own: a client that does not read its answer must not hold up /healthz for others.
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var head = await ReadHeadAsync(client, timeout.Token).ConfigureAwait(false);
            if (head is null)
                return; // closed before a whole request came
            var answer = head.Length == 0 ? new HttpAnswer(400, TextPlain, "request head too large\n") : AnswerTo(Encoding.ASCII.GetString(head));
            await client.SendAsync(Encode(answer), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, was too slow, or the endpoint is stopping.
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _open);
        }
    }

    private const string TextPlain = "text/plain; charset=utf-8";

    /// <summary>
    /// The request line and headers up to the blank line; empty when they do not fit <see cref="MaxRequestBytes"/>, null
    /// when the client closes first. A body (GET has none) is never read.
    /// </summary>
    private static async Task<byte[]?> ReadHeadAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestBytes];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
                return null;
            int searchFrom = Math.Max(0, length - EndOfHead.Length + 1);
            length += read;
            int end = buffer.AsSpan(searchFrom, length - searchFrom).IndexOf(EndOfHead);
            if (end >= 0)
                return buffer[..(searchFrom + end)];
        }
        return [];
    }

    /// <summary>The answer to a request head: 400 unless its first line is "METHOD /target HTTP/1.x", 405 unless GET.</summary>
    private HttpAnswer AnswerTo(string head)
    {
        int lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        var parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        if (parts.Length != 3 || !parts[1].StartsWith('/') || parts[2] is not ("HTTP/1.1" or "HTTP/1.0"))
            return new HttpAnswer(400, TextPlain, "expected a request line such as GET /metrics HTTP/1.1\n");
        if (parts[0] != "GET")
            return new HttpAnswer(405, TextPlain, "GET only\n");
        int query = parts[1].IndexOf('?');
        return _answer(query < 0 ? parts[1] : parts[1][..query]);
    }

    private static byte[] Encode(HttpAnswer answer)
    {
        byte[] body = Encoding.UTF8.GetBytes(answer.Body);
        string head = $"HTTP/1.1 {answer.Status} {Reason(answer.Status)}\r\nContent-Type: {answer.ContentType}\r\nContent-Length: {body.Length}\r\n" +
            (answer.Status == 405 ? "Allow: GET\r\n" : "") + "Connection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(5));
    }
}
