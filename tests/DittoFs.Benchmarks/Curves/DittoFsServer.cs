using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;
using DittoFs.Storage.S3.Tests.Infrastructure;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// The real server (<c>dotnet dittofs.dll</c>) on one store kind, started and stopped by the curves run: memory (a
/// generated configuration of in-memory stores), rocksdb (the embedded default, RocksDB metadata and file content
/// under a data directory that survives a restart) or s3 (RocksDB metadata there, content in a bucket of the run's
/// s3rver, default S3 settings; metrics on <see cref="MetricsPort"/> for the S3 request counts), or on a configuration
/// file its caller wrote (the shared-servers mode's postgres + S3). The portmapper is off, logs at WARN.
/// </summary>
internal sealed class DittoFsServer : IAsyncDisposable
{
    public const string Export = "/export";

    private readonly Process _process;
    private bool _disposed;

    private DittoFsServer(Process process, int port, int metricsPort, TimeSpan startTime)
    {
        _process = process;
        Port = port;
        MetricsPort = metricsPort;
        StartTime = startTime;
    }

    /// <summary>The sections of the configurations this program runs the server with but s3's: logs at WARN, no portmapper, no metrics.</summary>
    public const string QuietSections = """
        server:
          log_level: WARN
          portmap: "false"
        metrics:
          enabled: false
        """;

    public int Port { get; }

    /// <summary>The Prometheus endpoint's port (s3 kind), 0 when metrics are off.</summary>
    public int MetricsPort { get; }

    public int Pid => _process.Id;

    /// <summary>From the process's start to its first answered MOUNT and GETATTR of the share's root.</summary>
    public TimeSpan StartTime { get; }

    public static async Task<DittoFsServer> StartAsync(CurveOptions options, string store, string folder)
    {
        Directory.CreateDirectory(folder);
        int port = FreePort();
        int metricsPort = 0;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(options.ServerDll);
        if (store == "s3")
        {
            metricsPort = FreePort();
            string config = Path.Combine(folder, "curves-s3.yaml");
            await File.WriteAllTextAsync(config, $$"""
                # DittoFs on RocksDB metadata and S3 content (the run's s3rver), for the curves run
                server:
                  log_level: WARN
                  portmap: "false"
                metrics:
                  port: {{metricsPort}}
                metadata:
                  stores:
                    m:
                      type: rocksdb
                      rocksdb: { db_path: "{{DataDirectory(folder)}}/metadata" }
                content:
                  stores:
                    s3:
                      type: s3
                      s3: { endpoint: "http://{{options.S3Endpoint ?? throw new InvalidOperationException("no s3rver for the s3 kind")}}", bucket: curves, access_key: {{S3rverProcess.AccessKey}}, secret_key: {{S3rverProcess.SecretKey}} }
                shares:
                  - name: /export
                    metadata_store: m
                    content_store: s3

                """);
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(config);
        }
        else if (store == "memory")
        {
            string config = Path.Combine(folder, "curves-memory.yaml");
            await File.WriteAllTextAsync(config, $"""
                # DittoFs on in-memory stores, for the curves run
                {QuietSections}
                metadata:
                  stores:
                    m:
                      type: memory
                content:
                  stores:
                    c:
                      type: memory
                shares:
                  - name: /export
                    metadata_store: m
                    content_store: c

                """);
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(config);
        }
        else
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(DataDirectory(folder));
            foreach (string argument in (string[])["--metrics-port", "0", "--portmap", "false", "--log-level", "WARN"])
                start.ArgumentList.Add(argument);
        }
        return await StartAsync(start, store, port, metricsPort);
    }

    /// <summary>The server on a configuration file of <c>/export</c> (<paramref name="kind"/> names it in errors).</summary>
    public static Task<DittoFsServer> StartWithConfigAsync(string serverDll, string kind, string config)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, ArgumentList = { serverDll, "--config", config } };
        return StartAsync(start, kind, FreePort(), metricsPort: 0);
    }

    /// <summary>Starts <paramref name="start"/> with <c>--port PORT</c>; returns once it answers MOUNT and GETATTR.</summary>
    private static async Task<DittoFsServer> StartAsync(ProcessStartInfo start, string kind, int port, int metricsPort)
    {
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var deadline = TimeSpan.FromMinutes(10);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"dittofs ({kind}) exited with {process.ExitCode} while starting");
            try
            {
                await using var rpc = await RpcClient.ConnectAsync("127.0.0.1", port, Nfs3Calls.ClientOptions("curves-start"));
                var root = await Nfs3Calls.MountAsync(rpc, Export);
                await Nfs3Calls.GetattrAsync(new NfsV3Client(rpc), root);
                return new DittoFsServer(process, port, metricsPort, clock.Elapsed);
            }
            catch (Exception exception) when (exception is SocketException or IOException or RpcException or InvalidOperationException && clock.Elapsed < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Where the rocksdb kind keeps its stores under the run's folder (what fsck is given).</summary>
    public static string DataDirectory(string folder) => Path.Combine(folder, "data");

    /// <summary>SIGTERM, as systemd stops it; killed if it has not exited within a minute.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
            return;
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await StopAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
