using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DittoFs.Protocol;
using DittoFs.Rpc;

namespace DittoFs.Benchmarks.Curves;

/// <summary>
/// The real server (<c>dotnet dittofs.dll</c>) on one store kind, started and stopped by the curves run: memory (a
/// generated configuration of in-memory stores) or rocksdb (the embedded default, RocksDB metadata and file content
/// under a data directory that survives a restart), or a configuration file written by its caller (the shared-servers
/// mode's postgres + S3). Metrics and the portmapper are off, logs at WARN.
/// </summary>
internal sealed class DittoFsServer : IAsyncDisposable
{
    public const string Export = "/export";

    private readonly Process _process;
    private bool _disposed;

    private DittoFsServer(Process process, int port, TimeSpan startTime)
    {
        _process = process;
        Port = port;
        StartTime = startTime;
    }

    /// <summary>The sections of every configuration this program runs the server with: logs at WARN, no portmapper, no metrics.</summary>
    public const string QuietSections = """
        server:
          log_level: WARN
          portmap: "false"
        metrics:
          enabled: false
        """;

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>From the process's start to its first answered MOUNT and GETATTR of the share's root.</summary>
    public TimeSpan StartTime { get; }

    public static async Task<DittoFsServer> StartAsync(string serverDll, string store, string folder)
    {
        Directory.CreateDirectory(folder);
        if (store == "memory")
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
            return await StartAsync(serverDll, store, ["--config", config]);
        }
        return await StartAsync(serverDll, store, ["--data-dir", DataDirectory(folder), "--metrics-port", "0", "--portmap", "false", "--log-level", "WARN"]);
    }

    /// <summary>The server on a configuration file of <c>/export</c> (<paramref name="kind"/> names it in errors).</summary>
    public static Task<DittoFsServer> StartWithConfigAsync(string serverDll, string kind, string config) =>
        StartAsync(serverDll, kind, ["--config", config]);

    /// <summary>Starts <c>dotnet DLL ARGUMENTS --port P</c> on a free port; returns once it answers MOUNT and GETATTR.</summary>
    private static async Task<DittoFsServer> StartAsync(string serverDll, string kind, string[] arguments)
    {
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(serverDll);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
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
                return new DittoFsServer(process, port, clock.Elapsed);
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
