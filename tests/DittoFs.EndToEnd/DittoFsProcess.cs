using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace DittoFs.EndToEnd;

/// <summary>
/// The real `dittofs` executable, started on a free loopback port and stopped (SIGTERM, then kill) on dispose.
/// Its output is kept so a failing test can show it.
/// </summary>
internal sealed class DittoFsProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private readonly string? _ownDataDirectory;

    private DittoFsProcess(Process process, int port, string? ownDataDirectory)
    {
        _process = process;
        Port = port;
        _ownDataDirectory = ownDataDirectory;
    }

    public int Port { get; }
    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Starts dittofs with <paramref name="arguments"/> plus --port; waits until it accepts connections. Unless the
    /// arguments name a configuration or data directory, the embedded default gets a fresh data directory of its
    /// own (deleted on dispose), so servers never share stores. Unless the arguments have --metrics-port or --portmap,
    /// metrics and the portmapper are off.
    /// </summary>
    public static DittoFsProcess Start(params string[] arguments) => Start(FreePort(), arguments);

    public static DittoFsProcess Start(int port, params string[] arguments) => Start(new StartOptions(), port, arguments);

    /// <summary>
    /// How to start: <see cref="Executable"/> null runs this build's dittofs.dll with `dotnet`, else that program (a
    /// published `dittofs`); <see cref="Environment"/> is added to the process's; <see cref="WaitUntilListening"/> false
    /// returns at once (the test waits for what it checks); <see cref="WorkingDirectory"/> null inherits the test's.
    /// </summary>
    public sealed record StartOptions(string? Executable = null, IReadOnlyDictionary<string, string>? Environment = null, bool WaitUntilListening = true,
        string? WorkingDirectory = null);

    public static DittoFsProcess Start(StartOptions options, int port, params string[] arguments)
    {
        // Well-known ports are shared by every process on the machine: a server only takes the metrics port (default
        // 9090) or the portmapper's (111) when its test passes the flag, even with a configuration file (flags win),
        // so fixtures stay independent of each other.
        if (!arguments.Any(a => a.TrimStart('-') is "metrics-port"))
            arguments = [.. arguments, "--metrics-port", "0"];
        if (!arguments.Any(a => a.TrimStart('-') is "portmap"))
            arguments = [.. arguments, "--portmap", "false"];
        string? ownDataDirectory = null;
        if (!arguments.Any(a => a.TrimStart('-') is "config" or "data-dir"))
        {
            ownDataDirectory = Directory.CreateTempSubdirectory("dittofs-data-").FullName;
            arguments = [.. arguments, "--data-dir", ownDataDirectory];
        }
        var start = new ProcessStartInfo(options.Executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.WorkingDirectory is not null)
            start.WorkingDirectory = options.WorkingDirectory;
        if (options.Executable is null)
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dittofs.dll"));
        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString());
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dittofs");
        var server = new DittoFsProcess(process, port, ownDataDirectory);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (options.WaitUntilListening)
                server.WaitUntilListening();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"dittofs exited with {_process.ExitCode}:\n{Output}");
            // Either loopback: a server told to listen on one address (--listen ::1) answers on that one only.
            foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
            {
                try
                {
                    using var client = new TcpClient(loopback.AddressFamily);
                    client.Connect(loopback, Port);
                    return;
                }
                catch (SocketException)
                {
                }
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"dittofs did not listen on {Port} within {StartTimeout}:\n{Output}");
    }

    /// <summary>A port free for TCP and for UDP (dittofs serves MOUNT over UDP on its port by default).</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Any, port));
                return port;
            }
            catch (SocketException)
            {
                // Its UDP twin is taken: try another.
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Sends SIGTERM and waits for the exit code (bounded).</summary>
    public int Terminate(TimeSpan timeout)
    {
        kill(_process.Id, 15);
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"dittofs did not exit within {timeout} of SIGTERM:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGKILL, as a crash would end the process: no shutdown, no flush, no RocksDB close. Waits until it is gone.</summary>
    public void Kill()
    {
        kill(_process.Id, 9);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"dittofs did not die within 30 s of SIGKILL:\n{Output}");
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                kill(_process.Id, 15);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                    _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            _process.Dispose();
            if (_ownDataDirectory is not null)
                Directory.Delete(_ownDataDirectory, recursive: true);
        }
    }
}
