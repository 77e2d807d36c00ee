using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace DittoFs.Storage.S3.Tests.Infrastructure;

/// <summary>
/// One s3rver process on 127.0.0.1, serving a data folder on a fixed port. Tests may kill it, start it again on the
/// same port and folder, or freeze it (SIGSTOP) to see a server that accepts connections and never answers.
/// </summary>
internal sealed class S3rverProcess : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private const int SigStop = 19;
    private const int SigCont = 18;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _launcher;
    private readonly Queue<string> _recentOutput = new();
    private Process? _process;

    private S3rverProcess(string launcher, string dataDirectory, int port)
    {
        _launcher = launcher;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public string DataDirectory { get; }
    public int Port { get; }

    /// <summary>host:port, as <see cref="S3ContentStoreOptions.Endpoint"/> wants it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts s3rver on a free port over <paramref name="dataDirectory"/> and waits until it accepts connections.</summary>
    public static S3rverProcess Start(string launcher, string dataDirectory)
    {
        var server = new S3rverProcess(launcher, dataDirectory, FreePort());
        server.Start();
        return server;
    }

    /// <summary>(Re)starts the process on the same port and folder.</summary>
    public void Start()
    {
        // s3rver 3.7.1 encrypts its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and later)
        // has only in its legacy provider: without it every listing past the first page of 1,000 keys fails with
        // InternalError.
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { "--openssl-legacy-provider", _launcher, "-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        // s3rver logs every request; the pipes must be drained or it blocks once they fill.
        _process.OutputDataReceived += (_, line) => Remember(line.Data);
        _process.ErrorDataReceived += (_, line) => Remember(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    /// <summary>Kills the process by its id and waits for it to be gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    public void Freeze() => Signal(SigStop);

    public void Thaw() => Signal(SigCont);

    public void Dispose() => Kill();

    private void Signal(int signal)
    {
        if (_process is null || kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not signal s3rver ({signal}).");
        }
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode} on port {Port}:\n{RecentOutput()}");
            }
            try
            {
                using var client = new TcpClient();
                if (client.ConnectAsync(IPAddress.Loopback, Port).Wait(500))
                {
                    return;
                }
            }
            catch (AggregateException)
            {
                // Not listening yet.
            }
            Thread.Sleep(100);
        }
        Kill();
        throw new TimeoutException($"s3rver did not listen on port {Port} within {StartTimeout}:\n{RecentOutput()}");
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > 50)
            {
                _recentOutput.Dequeue();
            }
        }
    }

    private string RecentOutput()
    {
        lock (_recentOutput)
        {
            return string.Join('\n', _recentOutput);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
