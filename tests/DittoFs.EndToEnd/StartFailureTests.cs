using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace DittoFs.EndToEnd;

/// <summary>
/// The one error path of the real executable. A start that fails (the NFS or metrics port in use, a data directory
/// that cannot be written or that a running server holds, an S3 endpoint that refuses connections or whose name
/// does not resolve) exits with 1 after exactly one line on stderr naming what failed and the key or flag to change,
/// no stack trace, also with JSON logs. Usage errors (an unknown flag or command, a value that does not parse) exit
/// with 2 and a short message on stderr, not the help on stdout; --help shows the --long spellings.
/// </summary>
[TestFixture]
public sealed class StartFailureTests
{
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dittofs-start-failure-").FullName;

    [TearDown]
    public void RemoveDataDirectory() => Directory.Delete(_data, recursive: true);

    private static DittofsRun Dittofs(params string[] arguments) => DittofsRun.Of(arguments);

    /// <summary>A server start on a free port with no metrics or portmapper, plus <paramref name="arguments"/>.</summary>
    private static DittofsRun Serve(params string[] arguments) =>
        Dittofs(["--port", DittoFsProcess.FreePort().ToString(), "--metrics-port", "0", "--portmap", "false", .. arguments]);

    /// <summary>Exit 1, one line on stderr saying <paramref name="fragments"/>, no stack frame.</summary>
    private static void AssertStartFailure(DittofsRun run, params string[] fragments)
    {
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrorLines, Has.Length.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"), run.ToString());
        foreach (var fragment in fragments)
            Assert.That(run.ErrorLines[0], Does.Contain(fragment), run.ToString());
    }

    [Test]
    public void An_nfs_port_in_use_names_the_port_the_key_and_the_flag()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = Dittofs("--port", port.ToString(), "--metrics-port", "0", "--portmap", "false", "--data-dir", _data);

        AssertStartFailure(run, $"port {port}", "in use", "server.port", "--port");
    }

    [Test]
    public void An_address_not_of_this_host_names_the_address_the_key_and_the_flag()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
        var run = Serve("--listen", "192.0.2.1", "--data-dir", _data);

        AssertStartFailure(run, "cannot listen on 192.0.2.1", "server.address", "--listen");
    }

    [TestCase("nlm_port", "NLM port")]
    [TestCase("nsm_port", "NSM port")]
    public void A_lock_port_in_use_names_the_port_and_the_key(string key, string what)
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string config = Path.Combine(_data, "dittofs.yaml");
        File.WriteAllText(config, $"server:\n  {key}: {port}\n{ConfiguredServer.InMemoryShare}");

        var run = Serve("--config", config);

        AssertStartFailure(run, $"{what} {port}", "in use", $"server.{key}");
    }

    [Test]
    public void A_metrics_port_in_use_names_the_port_the_key_and_the_flag()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = Dittofs("--port", DittoFsProcess.FreePort().ToString(), "--metrics-port", port.ToString(), "--portmap", "false", "--data-dir", _data);

        AssertStartFailure(run, $"port {port}", "metrics.port", "--metrics-port");
    }

    [Test]
    public void A_data_directory_that_cannot_be_created_names_it_and_the_flag()
    {
        // A regular file where a directory should be: refused to root as well (permissions are not).
        string file = Path.Combine(_data, "a-file");
        File.WriteAllText(file, "");
        string dataDirectory = Path.Combine(file, "data");

        var run = Serve("--data-dir", dataDirectory);

        AssertStartFailure(run, dataDirectory, "cannot be created or written", "--data-dir");
    }

    [Test]
    public void A_content_path_that_cannot_be_created_names_the_flag()
    {
        string file = Path.Combine(_data, "a-file");
        File.WriteAllText(file, "");

        var run = Serve("--data-dir", Path.Combine(_data, "data"), "--content-path", Path.Combine(file, "content"));

        AssertStartFailure(run, "content", "cannot be created or written", "--content-path");
    }

    [Test]
    public void A_data_directory_held_by_a_running_server_says_so_and_names_the_flag()
    {
        using var first = DittoFsProcess.Start("--data-dir", _data);

        var run = Serve("--data-dir", _data);

        AssertStartFailure(run, "held by another process", "another dittofs running", "--data-dir");
        Assert.That(first.Terminate(TimeSpan.FromSeconds(30)), Is.Zero, "the first server is not disturbed");
    }

    [Test]
    public void A_start_failure_with_json_logs_is_one_line_on_stderr_and_stdout_stays_json()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = Dittofs("--port", port.ToString(), "--metrics-port", "0", "--portmap", "false", "--data-dir", _data, "--log-format", "json");

        AssertStartFailure(run, $"port {port}", "--port");
        foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            Assert.DoesNotThrow(() => JsonDocument.Parse(line).Dispose(), $"stdout line is JSON: {line}");
    }

    private string S3Config(string endpoint) => S3TestConfig.Write(_data, endpoint, "dittofs-start", "request_timeout: 10s", file: "s3.yaml");

    [Test]
    public void An_s3_endpoint_that_refuses_connections_fails_the_start_in_one_line_naming_it_and_the_key()
    {
        string endpoint = $"127.0.0.1:{DittoFsProcess.FreePort()}";

        var run = Serve("--config", S3Config(endpoint));

        AssertStartFailure(run, endpoint, "connection refused", "content.stores.s3.s3.endpoint");
        Assert.That(run.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "bounded by the request timeout");
    }

    [Test]
    public void An_s3_endpoint_whose_name_does_not_resolve_says_cannot_resolve()
    {
        var run = Serve("--config", S3Config("nosuchhost.invalid:9000"));

        AssertStartFailure(run, "cannot resolve nosuchhost.invalid", "content.stores.s3.s3.endpoint");
        Assert.That(run.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "bounded by the request timeout");
    }

    [TestCase("--prot", "--prot")]
    [TestCase("frobnicate", "frobnicate")]
    [TestCase("--port abc", "--port")]
    [TestCase("-port abc", "--port")]
    [TestCase("--metrics-port 1.5", "--metrics-port")]
    [TestCase("--max-connections lots", "--max-connections")]
    [TestCase("--listen localhost", "--listen")]
    public void Usage_errors_exit_2_with_a_short_message_on_stderr_and_no_help(string arguments, string named)
    {
        var run = Dittofs(arguments.Split(' '));

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Is.Empty, "no help dumped on stdout");
        Assert.That(run.ErrorLines, Has.Length.InRange(1, 2), run.ToString());
        Assert.That(run.ErrorLines[0], Does.Contain(named).And.Not.Contain("System."), run.ToString());
    }

    [Test]
    public void Help_shows_the_long_spellings()
    {
        var run = Dittofs("--help");

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        foreach (var flag in new[] { "--port", "--listen", "--data-dir", "--config", "--log-level", "--log-format", "--metrics-port", "--portmap", "--udp", "--content-path", "--max-connections", "--shutdown-timeout", "--dump-restricted" })
            Assert.That(run.Output, Does.Contain($"  {flag} "), flag);
        Assert.That(run.Output, Does.Not.Contain("  -port "));
    }

    [Test]
    public void The_single_dash_spellings_still_work()
    {
        using var server = DittoFsProcess.Start("-log-format", "json", "-max-connections", "10", "-data-dir", _data);

        Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.Zero, server.Output);
        Assert.That(server.Output, Does.Contain("\"LogLevel\""), "-log-format json took effect");
    }
}
