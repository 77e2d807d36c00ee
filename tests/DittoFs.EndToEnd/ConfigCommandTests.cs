using System.Net;
using System.Net.Sockets;

namespace DittoFs.EndToEnd;

/// <summary>
/// <c>dittofs config validate</c> and <c>dittofs config init</c> as an operator runs them: every error of a file in one
/// run (exit 1), a valid file (exit 0) without binding its port or creating its stores, usage errors (exit 2); the
/// file init writes starts a server that nfs-ls lists, with DITTOFS_* variables over it.
/// </summary>
[TestFixture]
public sealed class ConfigCommandTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dittofs-config-cli-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public void Validate_reports_every_error_one_line_each_and_exits_with_1()
    {
        string file = Write("bad.yaml", """
            server:
              log_levle: DEBUG
              port: 70000
              log_format: JSON
            metadata:
              stores:
                meta: { type: badger }
            content:
              stores:
                c: { type: memory }
            shares:
              - name: /export
                metadata_store: meta
                content_stor: c
            """);

        var run = DittofsRun.Of(["config", "validate", file]);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        Assert.That(run.ErrorLines, Is.EqualTo(new[]
        {
            "config error at line 2, column 3: server.log_levle: unknown key; did you mean 'log_level'?",
            "config error at line 3, column 9: server.port: 70000 is not between 0 and 65535",
            "config error at line 7, column 19: metadata.stores.meta.type: 'badger' is not a metadata store type; valid: memory, rocksdb, postgres",
            "config error at line 12, column 5: shares[0].content_store: is missing and required (name of a store under content.stores)",
            "config error at line 14, column 5: shares[0].content_stor: unknown key; did you mean 'content_store'?",
            $"{file}: 5 error(s)",
        }), run.ToString());
    }

    [Test]
    public void Validate_accepts_a_valid_file_without_binding_its_port_or_creating_its_stores()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string metadata = Path.Combine(_directory, "metadata");
        string file = Write("good.yaml", $"server: {{ port: {port} }}\n" + ConfiguredServer.OnDiskShare(metadata, Path.Combine(_directory, "content")));

        var run = DittofsRun.Of(["config", "validate", file]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("valid (1 share(s)"));
        Assert.That(run.Error, Is.Empty);
        Assert.That(Directory.Exists(metadata), Is.False, "validate opens no store");
    }

    [TestCase("config", "validate")]
    [TestCase("config", "validate", "/nonexistent/dittofs.yaml")]
    [TestCase("config", "validate", "a.yaml", "b.yaml")]
    [TestCase("config", "bogus")]
    public void Usage_errors_exit_with_2(params string[] arguments)
    {
        var run = DittofsRun.Of(arguments);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Not.Contain("   at "), run.ToString());
    }

    [Test]
    public void Init_writes_a_configuration_that_validates_and_serves_the_share_with_environment_overrides()
    {
        string file = Path.Combine(_directory, "dittofs.yaml");
        string data = Path.Combine(_directory, "data");

        var init = DittofsRun.Of(["config", "init", file, "--data-dir", data]);
        Assert.That(init.ExitCode, Is.Zero, init.ToString());
        Assert.That(File.ReadAllText(file), Does.Contain($"db_path: {data}/metadata").And.Contain("# Least severe log messages written."));
        var again = DittofsRun.Of(["config", "init", file]);
        Assert.That(again.ExitCode, Is.EqualTo(2), "an existing file is not replaced without --force: " + again);
        var validate = DittofsRun.Of(["config", "validate", file]);
        Assert.That(validate.ExitCode, Is.Zero, validate.ToString());

        var environment = new Dictionary<string, string> { ["DITTOFS_SERVER_LOG_FORMAT"] = "JSON", ["DITTOFS_LOCKS_GRACE_PERIOD"] = "0s" };
        using (var server = DittoFsProcess.Start(new DittoFsProcess.StartOptions(Environment: environment), DittoFsProcess.FreePort(), "--config", file))
        {
            NfsUtilitiesTests.Run("nfs-ls", LibNfsMount.Url(server.Port));
            Assert.That(server.Terminate(TimeSpan.FromSeconds(30)), Is.Zero, server.Output);
            var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.All.StartWith("{"), "DITTOFS_SERVER_LOG_FORMAT=JSON, in capitals, gave JSON logs:\n" + server.Output);
            Assert.That(server.Output, Does.Contain($"Created directory {data}/metadata for metadata store"));
        }
        Assert.That(Directory.Exists(Path.Combine(data, "content")), "the server ran on the stores init named");
    }

    [Test]
    public void Init_without_a_file_prints_what_the_server_runs_without_config()
    {
        var run = DittofsRun.Of(["config", "init", "--data-dir", "/srv/dittofs"]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.StartWith("# DittoFs configuration").And.Contain("path: /srv/dittofs/content").And.Contain("- name: /export"));
    }

    [Test]
    public void A_bad_environment_value_stops_the_start_naming_the_variable()
    {
        var run = DittofsRun.Of(["--port", DittoFsProcess.FreePort().ToString(), "--metrics-port", "0", "--portmap", "false", "--data-dir", _directory],
            new Dictionary<string, string> { ["DITTOFS_SERVER_LOG_LEVEL"] = "LOUD", ["DITTOFS_SERVER_MAX_CONNECTONS"] = "5" });

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.ErrorLines, Is.EqualTo(new[]
        {
            "config error: DITTOFS_SERVER_LOG_LEVEL: 'LOUD' is not one of DEBUG, INFO, WARN, ERROR",
            "config error: DITTOFS_SERVER_MAX_CONNECTONS: names no configuration key; did you mean DITTOFS_SERVER_MAX_CONNECTIONS?",
        }), run.ToString());
    }
}
