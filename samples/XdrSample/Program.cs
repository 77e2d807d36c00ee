// greet.x's generated server and client over loopback TCP: the server answers GREET, the client prints the answer.
// Exit code 0 only if the reply is the one the service built (the package test runs this and checks it).
using System.Net;
using System.Text;
using DittoFs.Rpc;
using Greet;
using Microsoft.Extensions.Logging.Abstractions;

await using var server = new RpcServer(
    new RpcServerOptions { Address = IPAddress.Loopback, Port = 0 },
    [new GreetV1Dispatcher<RpcCallContext>(new GreetService())],
    NullLogger.Instance);
await server.StartAsync();

await using var transport = await RpcClient.ConnectAsync(server.LocalEndPoint);
var client = new GreetV1Client(transport);
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
await client.GreetNullAsync(timeout.Token);
var reply = await client.GreetAsync(new GreetArgs { Name = "loopback"u8.ToArray(), Style = GreetStyle.GreetLoud, Times = 2 }, timeout.Token);
if (reply.Status != 0)
{
    Console.Error.WriteLine($"GREET failed with status {reply.Status}");
    return 1;
}
string text = Encoding.UTF8.GetString(reply.Text.Span);
Console.WriteLine($"GREET answered: {text}");
return text == "HELLO, LOOPBACK! HELLO, LOOPBACK!" ? 0 : 1;

/// <summary>The server side of GREET_V1: the generated dispatcher decodes each call and calls this.</summary>
sealed class GreetService : IGreetV1<RpcCallContext>
{
    public ValueTask GreetNullAsync(RpcCallContext context) => ValueTask.CompletedTask;

    public ValueTask<GreetRes> GreetAsync(GreetArgs arguments, RpcCallContext context)
    {
        string greeting = $"Hello, {Encoding.UTF8.GetString(arguments.Name.Span)}!";
        if (arguments.Style == GreetStyle.GreetLoud)
            greeting = greeting.ToUpperInvariant();
        string text = string.Join(' ', Enumerable.Repeat(greeting, (int)Math.Min(arguments.Times, 10u)));
        return ValueTask.FromResult(new GreetRes { Status = 0, Text = Encoding.UTF8.GetBytes(text) });
    }
}
