using System.Diagnostics;
using System.Net;

namespace DittoFs.EndToEnd;

/// <summary>The server's /healthz as its tests wait for it: 503 while it starts or stops, 200 while it serves.</summary>
internal static class Healthz
{
    /// <summary>
    /// GET http://<paramref name="host"/>:<paramref name="port"/>/healthz until it answers <paramref name="status"/> (refused
    /// connections while the port opens included), for at most 60 s; its body. A failure names <paramref name="context"/>.
    /// </summary>
    public static async Task<string> WaitForAsync(HttpClient http, string host, int port, HttpStatusCode status, string context = "")
    {
        var waited = Stopwatch.StartNew();
        string last = "nothing";
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var response = await http.GetAsync($"http://{host}:{port}/healthz");
                string body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == status)
                    return body;
                last = $"{(int)response.StatusCode} {body}";
            }
            catch (HttpRequestException exception)
            {
                last = exception.Message;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"/healthz at {host}:{port} did not answer {(int)status} within 60 s; last: {last}\n{context}");
        return "";
    }
}
