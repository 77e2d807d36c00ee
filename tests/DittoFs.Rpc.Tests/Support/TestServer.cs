using System.Net;
using DittoFs.Xdr;

namespace DittoFs.Rpc.Tests;

/// <summary>
/// A real <see cref="RpcServer"/> on 127.0.0.1 and an ephemeral port, serving <see cref="TestProgram"/>
/// versions 1 and 3 (so PROG_MISMATCH has a range to report) plus any extra programs.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(RpcServer server, TestProgram program, RecordingObserver observer, ListLogger logger)
    {
        Server = server;
        Program = program;
        Observer = observer;
        Logger = logger;
    }

    public RpcServer Server { get; }
    public TestProgram Program { get; }
    public Gates Gates => Program.Gates;
    public RecordingObserver Observer { get; }
    public ListLogger Logger { get; }
    public IPEndPoint EndPoint => Server.LocalEndPoint;

    public static async Task<TestServer> StartAsync(Action<RpcServerOptions>? configure = null, params IXdrProgram<RpcCallContext>[] extraPrograms)
    {
        var options = new RpcServerOptions { Address = IPAddress.Loopback, Port = 0 };
        configure?.Invoke(options);
        var gates = new Gates();
        var program = new TestProgram(1, gates);
        var observer = new RecordingObserver();
        var logger = new ListLogger();
        var server = new RpcServer(options, [program, new TestProgram(3, gates), .. extraPrograms], logger, observer);
        await server.StartAsync().Within();
        return new TestServer(server, program, observer, logger);
    }

    /// <summary>A server that also serves UDP on its port (all programs unless <paramref name="configure"/> narrows it).</summary>
    public static Task<TestServer> StartUdpAsync(Action<RpcServerOptions>? configure = null, params IXdrProgram<RpcCallContext>[] extraPrograms) =>
        StartAsync(options =>
        {
            options.Udp = new RpcUdpOptions();
            configure?.Invoke(options);
        }, extraPrograms);

    public IPEndPoint UdpEndPoint => Server.UdpEndPoint ?? throw new InvalidOperationException("UDP is not served.");

    /// <summary>A fresh UDP socket (its own port) aimed at the server.</summary>
    public RawRpcDatagrams Datagrams() => new(UdpEndPoint);

    public Task<RawRpcConnection> ConnectRawAsync() => RawRpcConnection.ConnectAsync(EndPoint);

    public Task<RpcClient> ConnectClientAsync(RpcClientOptions? options = null) => RpcClient.ConnectAsync(EndPoint, options).Within();

    /// <summary>A NULL call on a fresh connection: the server is still healthy.</summary>
    public async Task AssertServesFreshConnectionAsync()
    {
        await using var connection = await ConnectRawAsync();
        var reply = await connection.CallAsync(CallMessage.Test(0xF5E5, TestProcedure.Null));
        reply.AssertSuccess(0xF5E5);
    }

    public async ValueTask DisposeAsync()
    {
        Gates.OpenAll();
        await Server.StopAsync(Bounded.Wait).Within();
    }
}
