using DittoFs.Tools.Nfs;

namespace DittoFs.Tools.Tests;

/// <summary>Argument errors exit with 2 before anything is sent (the URLs here name no reachable server).</summary>
public sealed class CommandLineTests
{
    private static async Task<(int ExitCode, string Out, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new ToolConsole { Out = output, Error = error, OpenRawOut = () => Stream.Null };
        int exitCode = await NfsTool.RunAsync(args, console).WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, output.ToString(), error.ToString());
    }

    [Test]
    public async Task No_command_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run();
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--help"));
    }

    [Test]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run("frobnicate", "nfs://127.0.0.1/export");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("frobnicate"));
    }

    [TestCase("ls")]
    [TestCase("stat")]
    [TestCase("cat")]
    [TestCase("get", "nfs://127.0.0.1/export/f")]
    [TestCase("put", "local.bin")]
    [TestCase("mkdir")]
    [TestCase("rm")]
    [TestCase("rmdir")]
    [TestCase("mv", "nfs://127.0.0.1/export/a")]
    [TestCase("ln", "-s", "target")]
    [TestCase("df")]
    [TestCase("exports")]
    [TestCase("bench")]
    public async Task A_missing_argument_is_a_usage_error(params string[] args)
    {
        var (exitCode, _, error) = await Run(args);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("ditto-nfs:"));
    }

    [Test]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run("ls", "nfs://127.0.0.1/export", "--color");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--color"));
    }

    [Test]
    public async Task Too_many_arguments_are_a_usage_error()
    {
        var (exitCode, _, _) = await Run("stat", "nfs://127.0.0.1/export/a", "nfs://127.0.0.1/export/b");
        Assert.That(exitCode, Is.EqualTo(2));
    }

    [TestCase("ls", "http://127.0.0.1/export")]
    [TestCase("stat", "nfs://127.0.0.1/export?version=4")]
    [TestCase("cat", "nfs://127.0.0.1:99999/export/f")]
    [TestCase("df", "nfs:///export")]
    [TestCase("exports", "nfs://127.0.0.1/?nfsprot=1")]
    public async Task A_malformed_url_is_a_usage_error_naming_the_command(string command, string url)
    {
        var (exitCode, _, error) = await Run(command, url);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.StartWith($"ditto-nfs: {command}: bad URL"));
    }

    [Test]
    public async Task Mv_to_another_server_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run("mv", "nfs://127.0.0.1/export/a?nfsport=1&mountport=1", "nfs://127.0.0.2/export/b?nfsport=1&mountport=1");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("within one export"));
    }

    [Test]
    public async Task A_hard_link_target_must_be_a_url_on_the_same_server()
    {
        var (exitCode, _, error) = await Run("ln", "plain-text", "nfs://127.0.0.1/export/link?nfsport=1&mountport=1");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("bad URL 'plain-text'"));
    }

    [TestCase("--depth", "0")]
    [TestCase("--depth", "65")]
    [TestCase("-d", "many")]
    public async Task A_bad_depth_is_a_usage_error(string option, string value)
    {
        var (exitCode, _, _) = await Run("get", option, value, "nfs://127.0.0.1/export/f", "out.bin");
        Assert.That(exitCode, Is.EqualTo(2));
    }

    [TestCase("-t", "0")]
    [TestCase("-d", "0")]
    [TestCase("-s", "0")]
    [TestCase("-n", "0")]
    [TestCase("--connections", "0")]
    [TestCase("-c", "257")]
    public async Task Bad_bench_settings_are_usage_errors(string option, string value)
    {
        var (exitCode, _, _) = await Run("bench", option, value, "nfs://127.0.0.1/export");
        Assert.That(exitCode, Is.EqualTo(2));
    }

    [Test]
    public async Task An_unknown_bench_workload_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run("bench", "nfs://127.0.0.1/export", "seq_write", "fio");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("fio"));
    }

    [TestCase("--timeout", "0")]
    [TestCase("--portmapper-port", "70000")]
    public async Task Bad_global_options_are_usage_errors(string option, string value)
    {
        var (exitCode, _, _) = await Run("ls", option, value, "nfs://127.0.0.1/export");
        Assert.That(exitCode, Is.EqualTo(2));
    }

    [Test]
    public async Task Put_of_a_local_directory_is_a_usage_error()
    {
        var (exitCode, _, error) = await Run("put", Path.GetTempPath(), "nfs://127.0.0.1/export/x?nfsport=1&mountport=1");
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("is a directory"));
    }

    [Test]
    public async Task Help_lists_every_command_and_exits_0()
    {
        var (exitCode, output, _) = await Run("--help");
        Assert.That(exitCode, Is.EqualTo(0));
        Assert.That(output, Does.Contain("ls").And.Contain("stat").And.Contain("cat").And.Contain("get").And.Contain("put")
            .And.Contain("mkdir").And.Contain("rmdir").And.Contain("mv").And.Contain("ln").And.Contain("df").And.Contain("exports").And.Contain("bench"));
    }

    [Test]
    public async Task An_unreachable_server_is_a_failure_not_a_usage_error()
    {
        int closedPort = ClosedPort();
        var (exitCode, _, error) = await Run("ls", "--timeout", "5", $"nfs://127.0.0.1/export?nfsport={closedPort}&mountport={closedPort}");
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("ditto-nfs: ls: cannot reach the server"));
    }

    internal static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
